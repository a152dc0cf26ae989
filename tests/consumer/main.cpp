// A user's first program: the umbrella header alone must compile and link.
#include <ssgan/ssgan.hpp>

#include <iostream>
#include <type_traits>

int main()
{
#if SSGAN_WITH_MPI
    static_assert(std::is_base_of_v<ssgan::replica_group, ssgan::dist::communicator>);
    std::cout << "with ssgan::mpi\n";
#endif
    std::cout << "ssgan consumer: ok\n";
    return 0;
}
