#pragma once
// Immutable bytes shared by every write queue that sends them (an encoded message, a close payload).
// One allocation holds the reference count and the bytes: a shared std::string took two or three.
// Thread affinity: safe to copy and read from any thread.

#include <cstring>
#include <memory>
#include <string_view>

namespace flyover {

class SharedBytes {
public:
    SharedBytes() = default;

    static SharedBytes copy_of(std::string_view bytes) {
        SharedBytes b;
        b.size_ = bytes.size();
        if (!bytes.empty()) {
            auto data = std::make_shared_for_overwrite<char[]>(bytes.size());
            std::memcpy(data.get(), bytes.data(), bytes.size());
            b.data_ = std::move(data);
        }
        return b;
    }

    const char* data() const { return data_.get(); }
    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    std::string_view view() const { return {data(), size_}; }

private:
    std::shared_ptr<const char[]> data_;
    std::size_t size_ = 0;
};

}  // namespace flyover
