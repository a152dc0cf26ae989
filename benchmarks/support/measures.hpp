// What every benchmark reports besides time: images/s, GFLOP/s, that rate as a fraction of the
// CPU's peak FP32 rate, and the process's peak resident memory. The peak is read from the
// machine: vector lanes from the CPU flags, the clock from cpufreq or /proc/cpuinfo.
#pragma once

#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace ssgan::bench
{
    // The CPU's FP32 peak as this program assumes it: lanes of the widest vector unit (16 with
    // avx512f, 8 with avx or avx2, 4 otherwise), 2 FLOPs per lane per fused multiply-add, 2 FMA
    // units per core (an assumption: /proc/cpuinfo does not say), at the highest clock found.
    struct cpu_peak
    {
        int lanes = 4;
        int fma_flops = 1; // 2 with the fma flag: a multiply and an add per instruction
        int fma_units = 2;
        double ghz = 0.0;
        std::size_t cores = 1;
        std::string clock_source;

        double core_gflops() const { return lanes * fma_flops * fma_units * ghz; }
        // The peak of as many cores as `threads` can occupy.
        double gflops(std::size_t threads) const
        {
            return core_gflops() * static_cast<double>(std::min(threads, cores));
        }
    };

    inline cpu_peak read_cpu_peak()
    {
        cpu_peak peak;
        peak.cores = std::max(1u, std::thread::hardware_concurrency());

        std::ifstream cpuinfo("/proc/cpuinfo");
        std::string line;
        double mhz = 0.0;
        while (std::getline(cpuinfo, line))
        {
            if (line.rfind("flags", 0) == 0)
            {
                std::istringstream flags(line.substr(line.find(':') + 1));
                std::string flag;
                while (flags >> flag)
                {
                    if (flag == "avx512f")
                        peak.lanes = std::max(peak.lanes, 16);
                    else if (flag == "avx" || flag == "avx2")
                        peak.lanes = std::max(peak.lanes, 8);
                    else if (flag == "fma")
                        peak.fma_flops = 2;
                }
            }
            else if (line.rfind("cpu MHz", 0) == 0)
            {
                mhz = std::max(mhz, std::stod(line.substr(line.find(':') + 1)));
            }
        }

        // cpufreq's maximum, where the kernel exposes it (not inside most virtual machines).
        std::ifstream max_khz("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq");
        double khz = 0.0;
        if (max_khz >> khz && khz > 0.0)
        {
            peak.ghz = khz / 1e6;
            peak.clock_source = "cpufreq cpuinfo_max_freq";
        }
        else
        {
            peak.ghz = mhz / 1e3;
            peak.clock_source = "/proc/cpuinfo cpu MHz";
        }
        return peak;
    }

    inline const cpu_peak& machine()
    {
        static const cpu_peak peak = read_cpu_peak();
        return peak;
    }

    // The most memory this process has had resident so far (ru_maxrss is in KiB on Linux).
    inline double peak_resident_mib()
    {
        rusage usage{};
        getrusage(RUSAGE_SELF, &usage);
        return static_cast<double>(usage.ru_maxrss) / 1024.0;
    }

    // Runs `body` as the benchmark's timed loop and reports per second of that loop's wall
    // time: `images` and `flops` are per call of `body`.
    template <class Body>
    void run_and_report(benchmark::State& state, double images, double flops, std::size_t threads,
                        Body&& body)
    {
        const auto start = std::chrono::steady_clock::now();
        for (auto _ : state)
            body();
        const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
        const double per_second = static_cast<double>(state.iterations()) / elapsed.count();

        state.counters["images_per_s"] = images * per_second;
        if (flops > 0.0)
        {
            state.counters["GFLOP_per_s"] = flops * per_second / 1e9;
            state.counters["peak_fraction"] =
                flops * per_second / (machine().gflops(threads) * 1e9);
            state.counters["GFLOP_per_iteration"] = flops / 1e9;
        }
        state.counters["peak_rss_MiB"] = peak_resident_mib();
    }

    // The machine's peak, in the benchmark's context block (printed once, and in the JSON).
    inline void describe_machine()
    {
        const cpu_peak& peak = machine();
        benchmark::AddCustomContext("peak_lanes_fp32", std::to_string(peak.lanes));
        benchmark::AddCustomContext("peak_fma_units_per_core_assumed",
                                    std::to_string(peak.fma_units));
        benchmark::AddCustomContext("peak_clock_ghz", std::to_string(peak.ghz));
        benchmark::AddCustomContext("peak_clock_source", peak.clock_source);
        benchmark::AddCustomContext("peak_gflops_per_core", std::to_string(peak.core_gflops()));
        benchmark::AddCustomContext("cores", std::to_string(peak.cores));
    }

    // main() after registering: Google Benchmark's flags, the machine's peak in the context
    // block, every benchmark the filter selects.
    inline int run_registered(int argc, char** argv)
    {
        benchmark::Initialize(&argc, argv);
        if (benchmark::ReportUnrecognizedArguments(argc, argv))
            return 1;
        describe_machine();
        benchmark::RunSpecifiedBenchmarks();
        benchmark::Shutdown();
        return 0;
    }
}
