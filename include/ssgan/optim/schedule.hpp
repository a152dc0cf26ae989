// Learning-rate schedules as a small value type: lr_schedule(step) gives the rate for a 0-based
// step, to_string() describes the schedule in one line (name and parameters) and parse() reads
// that line back, so a run's configuration can record and restore it exactly.
//
//     constant(lr)                                   lr
//     step_decay(lr, every, factor)                  lr * factor^floor(step / every)
//     linear_decay(lr, total_steps, decay_fraction)  lr until the last decay_fraction of
//         training, then linearly to 0: with n = round(decay_fraction * total_steps) decay steps,
//         lr * min(1, (total_steps - step) / n), and 0 from total_steps on. The code of Salimans
//         et al. 2016 keeps the rate for two thirds of training, then decays it linearly to zero.
#pragma once

#include "ssgan/core/error.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace ssgan::optim
{
    enum class schedule_kind
    {
        constant,
        step_decay,
        linear_decay,
    };

    class lr_schedule
    {
    public:
        static lr_schedule constant(float lr)
        {
            lr_schedule schedule(schedule_kind::constant, lr);
            return schedule;
        }

        // every > 0 steps, the rate is multiplied by factor > 0.
        static lr_schedule step_decay(float lr, std::size_t every, float factor)
        {
            lr_schedule schedule(schedule_kind::step_decay, lr);
            if (every == 0)
                fail("every must be positive, found 0");
            if (!(factor > 0.0f) || !std::isfinite(factor))
                fail("factor is " + std::to_string(factor) + ", expected a finite value > 0");
            schedule.every_ = every;
            schedule.factor_ = factor;
            return schedule;
        }

        // Constant, then linear to zero over the last decay_fraction in (0, 1] of total_steps.
        static lr_schedule linear_decay(float lr, std::size_t total_steps, float decay_fraction)
        {
            lr_schedule schedule(schedule_kind::linear_decay, lr);
            if (total_steps == 0)
                fail("total_steps must be positive, found 0");
            if (!(decay_fraction > 0.0f && decay_fraction <= 1.0f))
                fail("decay_fraction is " + std::to_string(decay_fraction) +
                     ", expected a value in (0, 1]");
            schedule.total_steps_ = total_steps;
            schedule.decay_fraction_ = decay_fraction;
            return schedule;
        }

        // The rate for 0-based step `step`.
        float operator()(std::size_t step) const
        {
            switch (kind_)
            {
            case schedule_kind::constant:
                return lr_;
            case schedule_kind::step_decay:
            {
                const auto periods = static_cast<double>(step / every_);
                return static_cast<float>(static_cast<double>(lr_) *
                                          std::pow(static_cast<double>(factor_), periods));
            }
            case schedule_kind::linear_decay:
            {
                if (step >= total_steps_)
                    return 0.0f;
                const std::size_t decay_steps = this->decay_steps();
                const std::size_t remaining = total_steps_ - step;
                if (remaining >= decay_steps)
                    return lr_;
                return static_cast<float>(static_cast<double>(lr_) *
                                          static_cast<double>(remaining) /
                                          static_cast<double>(decay_steps));
            }
            }
            return lr_;
        }

        schedule_kind kind() const { return kind_; }

        std::string_view name() const
        {
            switch (kind_)
            {
            case schedule_kind::constant:
                return "constant";
            case schedule_kind::step_decay:
                return "step_decay";
            case schedule_kind::linear_decay:
                return "linear_decay";
            }
            return "constant";
        }

        float base_lr() const { return lr_; }

        // The number of steps over which linear_decay falls to zero (0 for other kinds).
        std::size_t decay_steps() const
        {
            if (kind_ != schedule_kind::linear_decay)
                return 0;
            const auto rounded = static_cast<std::size_t>(std::llround(
                static_cast<double>(decay_fraction_) * static_cast<double>(total_steps_)));
            return std::clamp<std::size_t>(rounded, 1, total_steps_);
        }

        // The parameters by name, in the order to_string() writes them, e.g. for a JSON config.
        std::vector<std::pair<std::string_view, double>> parameters() const
        {
            std::vector<std::pair<std::string_view, double>> result{{"lr", lr_}};
            if (kind_ == schedule_kind::step_decay)
            {
                result.emplace_back("every", static_cast<double>(every_));
                result.emplace_back("factor", factor_);
            }
            else if (kind_ == schedule_kind::linear_decay)
            {
                result.emplace_back("total_steps", static_cast<double>(total_steps_));
                result.emplace_back("decay_fraction", decay_fraction_);
            }
            return result;
        }

        // One line, e.g. "step_decay(lr=0.001,every=1000,factor=0.5)". Floats are written in the
        // shortest form that reads back to the same float, so parse(to_string()) == *this.
        std::string to_string() const
        {
            std::string text(name());
            text += "(lr=" + format(lr_);
            if (kind_ == schedule_kind::step_decay)
                text += ",every=" + std::to_string(every_) + ",factor=" + format(factor_);
            else if (kind_ == schedule_kind::linear_decay)
                text += ",total_steps=" + std::to_string(total_steps_) +
                        ",decay_fraction=" + format(decay_fraction_);
            return text + ")";
        }

        // Reads what to_string() writes; spaces around names, values and commas are allowed and
        // the parameters may come in any order. Throws config_error naming what is wrong.
        static lr_schedule parse(std::string_view text)
        {
            const std::string_view whole = text;
            text = trim(text);
            const std::size_t open = text.find('(');
            if (text.empty() || open == std::string_view::npos || text.back() != ')')
                parse_fail(whole, "expected name(key=value,...)");
            const std::string_view kind_name = trim(text.substr(0, open));
            const std::string_view body = text.substr(open + 1, text.size() - open - 2);

            std::vector<std::pair<std::string_view, std::string_view>> fields;
            if (!trim(body).empty())
            {
                std::size_t begin = 0;
                while (begin <= body.size())
                {
                    const std::size_t comma = std::min(body.find(',', begin), body.size());
                    const std::string_view field = body.substr(begin, comma - begin);
                    const std::size_t equals = field.find('=');
                    if (equals == std::string_view::npos)
                        parse_fail(whole, "expected key=value, found '" + std::string(field) + "'");
                    fields.emplace_back(trim(field.substr(0, equals)),
                                        trim(field.substr(equals + 1)));
                    begin = comma + 1;
                }
            }

            std::vector<std::string_view> allowed{"lr"};
            lr_schedule schedule = constant(0.0f);
            if (kind_name == "constant")
                schedule = constant(parse_float(whole, fields, "lr"));
            else if (kind_name == "step_decay")
            {
                allowed.insert(allowed.end(), {"every", "factor"});
                schedule = step_decay(parse_float(whole, fields, "lr"),
                                      parse_count(whole, fields, "every"),
                                      parse_float(whole, fields, "factor"));
            }
            else if (kind_name == "linear_decay")
            {
                allowed.insert(allowed.end(), {"total_steps", "decay_fraction"});
                schedule = linear_decay(parse_float(whole, fields, "lr"),
                                        parse_count(whole, fields, "total_steps"),
                                        parse_float(whole, fields, "decay_fraction"));
            }
            else
                parse_fail(whole, "unknown schedule '" + std::string(kind_name) +
                                      "', expected constant, step_decay or linear_decay");

            for (const auto& entry : fields)
            {
                const std::string_view key = entry.first;
                const auto same_key = [key](const auto& other) { return other.first == key; };
                if (std::count(allowed.begin(), allowed.end(), key) != 1 ||
                    std::count_if(fields.begin(), fields.end(), same_key) != 1)
                    parse_fail(whole, "unexpected or repeated parameter '" + std::string(key) +
                                          "' for " + std::string(kind_name));
            }
            return schedule;
        }

        friend bool operator==(const lr_schedule&, const lr_schedule&) = default;

    private:
        lr_schedule(schedule_kind kind, float lr) : kind_(kind), lr_(lr)
        {
            if (!(lr >= 0.0f) || !std::isfinite(lr))
                fail("lr is " + std::to_string(lr) + ", expected a finite value >= 0");
        }

        [[noreturn]] static void fail(const std::string& what)
        {
            throw config_error("ssgan::optim::lr_schedule: " + what);
        }

        [[noreturn]] static void parse_fail(std::string_view text, const std::string& what)
        {
            fail("cannot parse '" + std::string(text) + "': " + what);
        }

        static std::string_view trim(std::string_view text)
        {
            const auto first = text.find_first_not_of(" \t");
            if (first == std::string_view::npos)
                return {};
            const auto last = text.find_last_not_of(" \t");
            return text.substr(first, last - first + 1);
        }

        static std::string format(float value)
        {
            char buffer[32];
            const auto result =
                std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::general);
            return std::string(buffer, result.ptr);
        }

        static std::string_view
        field(std::string_view text,
              const std::vector<std::pair<std::string_view, std::string_view>>& fields,
              std::string_view key)
        {
            for (const auto& [name, value] : fields)
                if (name == key)
                    return value;
            parse_fail(text, "missing parameter '" + std::string(key) + "'");
        }

        static float
        parse_float(std::string_view text,
                    const std::vector<std::pair<std::string_view, std::string_view>>& fields,
                    std::string_view key)
        {
            const std::string_view value = field(text, fields, key);
            float result = 0.0f;
            const auto [end, error] =
                std::from_chars(value.data(), value.data() + value.size(), result);
            if (error != std::errc{} || end != value.data() + value.size())
                parse_fail(text, std::string(key) + " is '" + std::string(value) +
                                     "', expected a number");
            return result;
        }

        static std::size_t
        parse_count(std::string_view text,
                    const std::vector<std::pair<std::string_view, std::string_view>>& fields,
                    std::string_view key)
        {
            const std::string_view value = field(text, fields, key);
            std::size_t result = 0;
            const auto [end, error] =
                std::from_chars(value.data(), value.data() + value.size(), result);
            if (error != std::errc{} || end != value.data() + value.size())
                parse_fail(text, std::string(key) + " is '" + std::string(value) +
                                     "', expected a whole number of steps");
            return result;
        }

        schedule_kind kind_ = schedule_kind::constant;
        float lr_ = 0.0f;
        std::size_t every_ = 0;
        float factor_ = 1.0f;
        std::size_t total_steps_ = 0;
        float decay_fraction_ = 0.0f;
    };
}
