#pragma once
// A log-linear latency histogram: 64 sub-buckets per power of two (about 1.6% resolution), fixed memory,
// O(1) record. Thread affinity: one thread.

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>

namespace flyover::bench {

class Histogram {
public:
    void record(std::uint64_t v) {
        ++counts_[index(v)];
        ++count_;
        sum_ += v;
        max_ = std::max(max_, v);
        min_ = std::min(min_, v);
    }
    std::uint64_t count() const { return count_; }
    std::uint64_t max() const { return max_; }
    std::uint64_t min() const { return count_ ? min_ : 0; }
    double mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0; }
    /// The value at quantile q (0..1): the midpoint of the bucket holding it, capped at max().
    std::uint64_t quantile(double q) const {
        if (count_ == 0) return 0;
        auto rank = static_cast<std::uint64_t>(q * static_cast<double>(count_ - 1)) + 1;
        std::uint64_t seen = 0;
        for (std::size_t i = 0; i < counts_.size(); ++i) {
            seen += counts_[i];
            if (seen >= rank) return std::min(max_, std::max(min(), midpoint(i)));
        }
        return max_;
    }
    void merge(const Histogram& o) {
        for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += o.counts_[i];
        count_ += o.count_;
        sum_ += o.sum_;
        max_ = std::max(max_, o.max_);
        min_ = std::min(min_, o.min_);
    }

private:
    static constexpr int sub_bits = 6;
    static constexpr std::size_t sub = std::size_t{1} << sub_bits;
    static std::size_t index(std::uint64_t v) {
        if (v < sub) return static_cast<std::size_t>(v);
        int msb = 63 - std::countl_zero(v);
        int shift = msb - sub_bits;
        return static_cast<std::size_t>(shift + 1) * sub + static_cast<std::size_t>((v >> shift) & (sub - 1));
    }
    static std::uint64_t midpoint(std::size_t i) {
        std::size_t row = i / sub, col = i % sub;
        if (row == 0) return col;
        std::uint64_t lo = static_cast<std::uint64_t>(sub + col) << (row - 1);
        std::uint64_t width = std::uint64_t{1} << (row - 1);
        return lo + width / 2;
    }
    std::array<std::uint64_t, (64 - sub_bits + 1) * sub> counts_{};
    std::uint64_t count_ = 0;
    std::uint64_t sum_ = 0;
    std::uint64_t max_ = 0;
    std::uint64_t min_ = UINT64_MAX;
};

}  // namespace flyover::bench
