// Testing a discriminator as a classifier: eval mode (no dropout, no noise, running batch-norm
// statistics), each test image once, the prediction being the most likely of the K real
// classes (a K + 1-way discriminator's fake logit is ignored).
#pragma once

#include "../data/dataset.hpp"
#include "../loss/cross_entropy.hpp"
#include "../nn/network.hpp"

#include <algorithm>
#include <cstddef>
#include <vector>

namespace ssgan::gan
{
    struct evaluation
    {
        std::size_t classes = 0;
        std::size_t total = 0;
        std::size_t correct = 0;
        std::vector<std::size_t> confusion; // classes × classes, row = true, column = predicted
        std::vector<std::size_t> misclassified;     // test indices, in order
        std::vector<int> misclassified_predictions; // what the discriminator said for each

        double accuracy() const { return total ? double(correct) / double(total) : 0.0; }

        double class_accuracy(std::size_t label) const
        {
            std::size_t row_total = 0;
            for (std::size_t c = 0; c < classes; ++c)
                row_total += confusion[label * classes + c];
            return row_total ? double(confusion[label * classes + label]) / double(row_total) : 0.0;
        }
    };

    template <network_type Discriminator>
    evaluation evaluate_classifier(Discriminator& discriminator, const data::dataset& test,
                                   std::size_t classes, data::pixel_range pixels,
                                   std::size_t batch = 500)
    {
        using image_shape = typename Discriminator::input_shape;
        using logits_shape = typename Discriminator::output_shape;
        if (test.sample_size() != image_shape::size)
            throw data_error("test set: images of " + std::to_string(test.channels) + "x" +
                             std::to_string(test.height) + "x" + std::to_string(test.width) +
                             ", the discriminator takes " + image_shape::describe());
        if (test.labels.size() != test.count)
            throw data_error("test set: expected one label per image");

        evaluation result;
        result.classes = classes;
        result.confusion.assign(classes * classes, 0);

        random_stream unused(0);
        context ctx(unused, mode::eval);
        tensor<image_shape> images;
        std::vector<std::size_t> indices;
        for (std::size_t start = 0; start < test.count; start += batch)
        {
            const std::size_t count = std::min(batch, test.count - start);
            indices.resize(count);
            for (std::size_t i = 0; i < count; ++i)
                indices[i] = start + i;
            images.resize(count);
            data::copy_batch(test, indices, pixels, images.span());
            const auto logits = discriminator.forward(images, ctx);
            for (std::size_t i = 0; i < count; ++i)
            {
                const auto predicted = static_cast<int>(
                    loss::argmax(std::span<const float>(logits.sample(i), classes)));
                const int truth = test.labels[start + i];
                if (truth < 0 || std::size_t(truth) >= classes)
                    throw data_error("test set: label " + std::to_string(truth) + " of image " +
                                     std::to_string(start + i) + " is outside 0.." +
                                     std::to_string(classes - 1));
                result.confusion[std::size_t(truth) * classes + std::size_t(predicted)] += 1;
                if (predicted == truth)
                    ++result.correct;
                else
                {
                    result.misclassified.push_back(start + i);
                    result.misclassified_predictions.push_back(predicted);
                }
            }
            result.total += count;
            static_cast<void>(logits_shape::size);
        }
        return result;
    }
}
