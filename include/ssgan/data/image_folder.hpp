// A user's images in a folder: one subfolder per class holding PNG or JPEG files, the class
// names being the subfolder names in sorted order, and an optional `unlabeled/` subfolder whose
// images join only the unlabeled set. This header lists the files; own_dataset.hpp loads them.
#pragma once

#include "ssgan/core/error.hpp"
#include "ssgan/data/dataset.hpp"

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace ssgan::data
{
    inline constexpr const char* unlabeled_folder_name = "unlabeled";

    struct image_folder_listing
    {
        std::vector<std::string> class_names;     // sorted; label i is class_names[i]
        std::vector<std::filesystem::path> files; // class by class, each in sorted order
        std::vector<int> labels;                  // per file: its class, or `unlabeled`
        std::size_t skipped = 0;                  // files that are not .png, .jpg or .jpeg
    };

    inline bool is_image_file_name(const std::filesystem::path& file)
    {
        std::string extension = file.extension().string();
        std::transform(extension.begin(), extension.end(), extension.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        return extension == ".png" || extension == ".jpg" || extension == ".jpeg";
    }

    namespace detail
    {
        // The image files directly in `folder`, sorted by name; hidden files are not images.
        inline std::vector<std::filesystem::path>
        image_files_in(const std::filesystem::path& folder, std::size_t& skipped)
        {
            std::vector<std::filesystem::path> files;
            for (const auto& entry : std::filesystem::directory_iterator(folder))
            {
                const std::string name = entry.path().filename().string();
                if (name.empty() || name[0] == '.' || entry.is_directory())
                    continue;
                if (is_image_file_name(entry.path()))
                    files.push_back(entry.path());
                else
                    ++skipped;
            }
            std::sort(files.begin(), files.end());
            return files;
        }
    }

    // The class folders and image files of `dir`. Throws data_error naming the folder when it
    // is missing, holds no class folder, or a class folder holds no PNG or JPEG file.
    inline image_folder_listing list_image_folder(const std::filesystem::path& dir)
    {
        namespace fs = std::filesystem;
        const std::string layout = "one subfolder per class holding PNG or JPEG files, and "
                                   "optionally unlabeled/";
        std::error_code ec;
        if (!fs::is_directory(dir, ec))
            throw data_error(dir.string() + ": no such folder; expected " + layout);

        image_folder_listing listing;
        bool has_unlabeled = false;
        for (const auto& entry : fs::directory_iterator(dir))
        {
            const std::string name = entry.path().filename().string();
            if (!entry.is_directory() || name.empty() || name[0] == '.')
                continue;
            if (name == unlabeled_folder_name)
                has_unlabeled = true;
            else
                listing.class_names.push_back(name);
        }
        std::sort(listing.class_names.begin(), listing.class_names.end());
        if (listing.class_names.empty())
            throw data_error(dir.string() + ": expected " + layout + ", found no class folder");

        for (std::size_t c = 0; c < listing.class_names.size(); ++c)
        {
            const fs::path folder = dir / listing.class_names[c];
            const auto files = detail::image_files_in(folder, listing.skipped);
            if (files.empty())
                throw data_error(folder.string() + ": expected the PNG or JPEG images of class \"" +
                                 listing.class_names[c] + "\", found none");
            listing.files.insert(listing.files.end(), files.begin(), files.end());
            listing.labels.insert(listing.labels.end(), files.size(), static_cast<int>(c));
        }
        if (has_unlabeled)
        {
            const auto files = detail::image_files_in(dir / unlabeled_folder_name, listing.skipped);
            listing.files.insert(listing.files.end(), files.begin(), files.end());
            listing.labels.insert(listing.labels.end(), files.size(), unlabeled);
        }
        return listing;
    }
}
