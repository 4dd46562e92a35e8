// A zone's record sets in key order, held in chunks that versions of the zone share: a
// change batch copies the chunk pointers (about 2,000 for a 1M-record zone) and the few
// chunks it changes, never the whole zone. Read like a sorted vector (random-access
// iterators, so std::lower_bound and friends work); written by key. Control plane.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <vector>

#include "policy/record_set.h"

namespace fz::change {

struct RecordSetKey;

class RecordSetList {
    using Chunk = std::vector<policy::RecordSet>;

public:
    // Chunks split when they grow past twice this.
    static constexpr size_t kChunk = 256;

    class const_iterator {
    public:
        using iterator_category = std::random_access_iterator_tag;
        using value_type = policy::RecordSet;
        using difference_type = std::ptrdiff_t;
        using pointer = const policy::RecordSet*;
        using reference = const policy::RecordSet&;

        const_iterator() = default;
        reference operator*() const { return (*list_->chunks_[chunk_])[offset_]; }
        pointer operator->() const { return &**this; }
        reference operator[](difference_type n) const { return *(*this + n); }
        const_iterator& operator++() {
            ++index_;
            if (++offset_ == list_->chunks_[chunk_]->size()) {
                ++chunk_;
                offset_ = 0;
            }
            return *this;
        }
        const_iterator operator++(int) {
            const_iterator t = *this;
            ++*this;
            return t;
        }
        const_iterator& operator--() { return *this -= 1; }
        const_iterator operator--(int) {
            const_iterator t = *this;
            --*this;
            return t;
        }
        const_iterator& operator+=(difference_type n) {
            seek(static_cast<size_t>(static_cast<difference_type>(index_) + n));
            return *this;
        }
        const_iterator& operator-=(difference_type n) { return *this += -n; }
        friend const_iterator operator+(const_iterator i, difference_type n) { return i += n; }
        friend const_iterator operator+(difference_type n, const_iterator i) { return i += n; }
        friend const_iterator operator-(const_iterator i, difference_type n) { return i -= n; }
        friend difference_type operator-(const const_iterator& a, const const_iterator& b) {
            return static_cast<difference_type>(a.index_) - static_cast<difference_type>(b.index_);
        }
        friend bool operator==(const const_iterator& a, const const_iterator& b) { return a.index_ == b.index_; }
        friend auto operator<=>(const const_iterator& a, const const_iterator& b) { return a.index_ <=> b.index_; }

    private:
        friend class RecordSetList;
        const_iterator(const RecordSetList* list, size_t index) : list_(list) { seek(index); }
        void seek(size_t index);

        const RecordSetList* list_ = nullptr;
        size_t index_ = 0;
        size_t chunk_ = 0;
        size_t offset_ = 0;
    };
    using iterator = const_iterator;
    using value_type = policy::RecordSet;

    RecordSetList() = default;
    // The record sets in the order given (sort() puts them in key order).
    RecordSetList(std::initializer_list<policy::RecordSet> sets) : RecordSetList(std::vector(sets)) {}
    RecordSetList(std::vector<policy::RecordSet> sets) {  // NOLINT(google-explicit-constructor): a list is a list
        for (auto& rs : sets) push_back(std::move(rs));
    }
    std::vector<policy::RecordSet> to_vector() const { return {begin(), end()}; }

    size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    const_iterator begin() const { return const_iterator(this, 0); }
    const_iterator end() const { return const_iterator(this, size_); }
    const policy::RecordSet& operator[](size_t i) const { return begin()[static_cast<std::ptrdiff_t>(i)]; }
    const policy::RecordSet& front() const { return chunks_.front()->front(); }
    const policy::RecordSet& back() const { return chunks_.back()->back(); }

    // Building: appends (in any order; sort() then puts them in key order).
    void push_back(policy::RecordSet rs);
    // The record set at `i`, to change in place (its chunk is copied first if another
    // version shares it). The caller keeps the key order.
    policy::RecordSet& mutable_at(size_t i);
    // Sorts into key order (stable) and lays the chunks out again.
    void sort();
    void clear();

    // By key, in a list in key order.
    const policy::RecordSet* find(const RecordSetKey& key) const;
    // Inserts `rs`, or replaces the record set with its key.
    void upsert(policy::RecordSet rs);
    // Removes the record set with `key`; false if there was none.
    bool erase(const RecordSetKey& key);

    // How many chunks this list shares with `other` (tests, and what a batch copies).
    size_t shared_chunks(const RecordSetList& other) const;

private:
    // Where the record set with `key` is, or would go: chunk and offset.
    std::pair<size_t, size_t> locate(const RecordSetKey& key) const;
    Chunk& own(size_t chunk);  // the chunk, copied first if shared
    void reindex();            // starts_ and size_ from the chunks

    std::vector<std::shared_ptr<Chunk>> chunks_;  // none empty
    std::vector<size_t> starts_;                  // index of each chunk's first record set
    size_t size_ = 0;
};

}  // namespace fz::change
