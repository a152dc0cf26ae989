// A user's first program: the umbrella header alone must compile and link.
#include <ssgan/ssgan.hpp>

#include <iostream>

int main()
{
    std::cout << "ssgan consumer: ok\n";
    return 0;
}
