// The compile-fail mechanism itself: this case must fail, with the message below, when compiled
// with the flags of a real ssgan consumer. It uses only standard C++, so a failure here points
// at the test machinery, not at the library.
// expect: SSGAN_SELFTEST: compile-fail cases run
#include <type_traits>

template <typename T>
struct selftest
{
    static_assert(std::is_integral_v<T>, "SSGAN_SELFTEST: compile-fail cases run");
};

int main()
{
    selftest<float> instance;
    (void)instance;
    return 0;
}
