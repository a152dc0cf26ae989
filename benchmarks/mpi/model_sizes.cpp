// Prints, per SSGAN model, the parameter counts of D and G and the bytes one training step
// all-reduces: D's gradients once, G's once per generator update. The input of step_model.py.
// Build: g++ -std=c++20 -O1 -Iinclude -I/usr/include/eigen3 benchmarks/mpi/model_sizes.cpp \
//            -ldnnl -ltbb -fopenmp
#include <ssgan/gan/cifar_models.hpp>
#include <ssgan/gan/mnist_models.hpp>

#include <cstdio>

namespace
{
    template <class Model>
    void print(const char* label)
    {
        const std::size_t d = Model::discriminator::parameter_count;
        const std::size_t g = Model::generator::parameter_count;
        const std::size_t updates = Model::defaults().update_rate;
        std::printf("%s,%zu,%zu,%zu,%zu\n", label, d, g, updates,
                    (d + updates * g) * sizeof(float));
    }
}

int main()
{
    std::printf("model,d_parameters,g_parameters,g_updates_per_step,bytes_per_step\n");
    print<ssgan::gan::mnist_improved>("mnist-improved");
    print<ssgan::gan::mnist_seed>("mnist-seed");
    print<ssgan::gan::cifar_improved>("cifar10-improved");
    print<ssgan::gan::svhn_improved>("svhn-improved");
    print<ssgan::gan::cifar_seed>("cifar10-seed");
}
