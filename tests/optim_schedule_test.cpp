#define BOOST_TEST_MODULE optim_schedule
#include <boost/test/unit_test.hpp>

#include "ssgan/optim/schedule.hpp"

#include <string>

namespace
{
    using ssgan::optim::lr_schedule;
    namespace tt = boost::test_tools;

    bool message_contains(const ssgan::config_error& error, const std::string& part)
    {
        return std::string(error.what()).find(part) != std::string::npos;
    }
}

BOOST_AUTO_TEST_CASE(constant_schedule_never_changes)
{
    const auto schedule = lr_schedule::constant(3e-4f);
    BOOST_TEST(schedule(0) == 3e-4f);
    BOOST_TEST(schedule(1'000'000) == 3e-4f);
}

BOOST_AUTO_TEST_CASE(step_decay_multiplies_by_factor_at_each_boundary)
{
    const auto schedule = lr_schedule::step_decay(0.1f, 10, 0.5f);
    BOOST_TEST(schedule(0) == 0.1f);
    BOOST_TEST(schedule(9) == 0.1f);
    BOOST_TEST(schedule(10) == 0.05f);
    BOOST_TEST(schedule(19) == 0.05f);
    BOOST_TEST(schedule(20) == 0.025f);
    BOOST_TEST(schedule(35) == 0.0125f);
}

BOOST_AUTO_TEST_CASE(linear_decay_holds_then_falls_to_zero_over_the_last_fraction)
{
    // 300 steps, last third: constant for steps 0..199, then 0.3 * (300 - step) / 100.
    const auto schedule = lr_schedule::linear_decay(0.3f, 300, 1.0f / 3.0f);
    BOOST_TEST(schedule.decay_steps() == 100u);
    BOOST_TEST(schedule(0) == 0.3f);
    BOOST_TEST(schedule(199) == 0.3f);
    BOOST_TEST(schedule(200) == 0.3f);
    BOOST_TEST(schedule(201) == 0.297f, tt::tolerance(1e-6f));
    BOOST_TEST(schedule(250) == 0.15f, tt::tolerance(1e-6f));
    BOOST_TEST(schedule(299) == 0.003f, tt::tolerance(1e-5f));
    BOOST_TEST(schedule(300) == 0.0f);
    BOOST_TEST(schedule(10'000) == 0.0f);
}

BOOST_AUTO_TEST_CASE(linear_decay_over_all_of_training_starts_falling_at_once)
{
    const auto schedule = lr_schedule::linear_decay(1.0f, 4, 1.0f);
    BOOST_TEST(schedule(0) == 1.0f);
    BOOST_TEST(schedule(1) == 0.75f);
    BOOST_TEST(schedule(3) == 0.25f);
    BOOST_TEST(schedule(4) == 0.0f);
}

BOOST_AUTO_TEST_CASE(schedules_describe_themselves_in_one_line)
{
    BOOST_TEST(lr_schedule::constant(0.0003f).to_string() == "constant(lr=0.0003)");
    BOOST_TEST(lr_schedule::step_decay(0.1f, 1000, 0.5f).to_string() ==
               "step_decay(lr=0.1,every=1000,factor=0.5)");
    BOOST_TEST(lr_schedule::linear_decay(0.001f, 1200, 0.25f).to_string() ==
               "linear_decay(lr=0.001,total_steps=1200,decay_fraction=0.25)");

    const auto parameters = lr_schedule::step_decay(0.1f, 1000, 0.5f).parameters();
    BOOST_REQUIRE_EQUAL(parameters.size(), 3u);
    BOOST_TEST(parameters[1].first == "every");
    BOOST_TEST(parameters[1].second == 1000.0);
    BOOST_TEST(lr_schedule::linear_decay(0.001f, 1200, 0.25f).name() == "linear_decay");
}

BOOST_AUTO_TEST_CASE(parse_reads_back_what_to_string_writes)
{
    for (const auto& schedule :
         {lr_schedule::constant(3e-4f), lr_schedule::step_decay(0.1f, 7, 0.3f),
          lr_schedule::linear_decay(0.0003f, 120'000, 1.0f / 3.0f)})
    {
        BOOST_TEST_CONTEXT(schedule.to_string())
        {
            BOOST_TEST((lr_schedule::parse(schedule.to_string()) == schedule));
        }
    }
    BOOST_TEST((lr_schedule::parse(" step_decay( factor = 0.5 , lr=0.1, every=10 ) ") ==
                lr_schedule::step_decay(0.1f, 10, 0.5f)));
}

BOOST_AUTO_TEST_CASE(parse_names_what_is_wrong)
{
    const auto fails_with = [](const std::string& text, const std::string& part)
    {
        try
        {
            lr_schedule::parse(text);
        }
        catch (const ssgan::config_error& error)
        {
            return message_contains(error, part);
        }
        return false;
    };
    BOOST_TEST(fails_with("cosine(lr=0.1)", "unknown schedule 'cosine'"));
    BOOST_TEST(fails_with("step_decay(lr=0.1,every=10)", "missing parameter 'factor'"));
    BOOST_TEST(fails_with("constant(lr=0.1,every=10)", "parameter 'every'"));
    BOOST_TEST(fails_with("constant(lr=0.1,lr=0.2)", "repeated parameter 'lr'"));
    BOOST_TEST(fails_with("constant(lr=fast)", "lr is 'fast'"));
    BOOST_TEST(fails_with("step_decay(lr=0.1,every=-3,factor=0.5)", "every is '-3'"));
    BOOST_TEST(fails_with("constant", "expected name(key=value,...)"));
    BOOST_TEST(fails_with("", "expected name(key=value,...)"));
    BOOST_TEST(
        fails_with("linear_decay(lr=0.1,total_steps=10,decay_fraction=2)", "decay_fraction is"));
}

BOOST_AUTO_TEST_CASE(schedules_reject_bad_parameters)
{
    BOOST_CHECK_THROW(lr_schedule::constant(-1.0f), ssgan::config_error);
    BOOST_CHECK_THROW(lr_schedule::step_decay(0.1f, 0, 0.5f), ssgan::config_error);
    BOOST_CHECK_THROW(lr_schedule::step_decay(0.1f, 10, 0.0f), ssgan::config_error);
    BOOST_CHECK_THROW(lr_schedule::linear_decay(0.1f, 0, 0.5f), ssgan::config_error);
    BOOST_CHECK_THROW(lr_schedule::linear_decay(0.1f, 100, 0.0f), ssgan::config_error);
}
