// A zone's record sets in shared chunks (see record_set_list.h).
#include "change/record_set_list.h"

#include <algorithm>

#include "change/content.h"

namespace fz::change {

void RecordSetList::const_iterator::seek(size_t index) {
    index_ = index;
    if (index >= list_->size_) {
        chunk_ = list_->chunks_.size();
        offset_ = 0;
        return;
    }
    auto it = std::upper_bound(list_->starts_.begin(), list_->starts_.end(), index);
    chunk_ = static_cast<size_t>(it - list_->starts_.begin()) - 1;
    offset_ = index - list_->starts_[chunk_];
}

void RecordSetList::reindex() {
    starts_.resize(chunks_.size());
    size_ = 0;
    for (size_t i = 0; i < chunks_.size(); ++i) {
        starts_[i] = size_;
        size_ += chunks_[i]->size();
    }
}

RecordSetList::Chunk& RecordSetList::own(size_t chunk) {
    // Only this list can copy the pointer while it is being changed: a count of one
    // cannot become two meanwhile, so the chunk is ours to change in place.
    if (chunks_[chunk].use_count() != 1) chunks_[chunk] = std::make_shared<Chunk>(*chunks_[chunk]);
    return *chunks_[chunk];
}

void RecordSetList::push_back(policy::RecordSet rs) {
    if (chunks_.empty() || chunks_.back()->size() >= kChunk) {
        chunks_.push_back(std::make_shared<Chunk>());
        chunks_.back()->reserve(kChunk);
        starts_.push_back(size_);
    }
    own(chunks_.size() - 1).push_back(std::move(rs));
    ++size_;
}

policy::RecordSet& RecordSetList::mutable_at(size_t i) {
    const_iterator it(this, i);
    return own(it.chunk_)[it.offset_];
}

void RecordSetList::sort() {
    Chunk all;
    all.reserve(size_);
    for (auto& c : chunks_) {
        if (c.use_count() == 1) {
            std::move(c->begin(), c->end(), std::back_inserter(all));
        } else {
            all.insert(all.end(), c->begin(), c->end());
        }
    }
    // Each key made once: built at every comparison, the keys were most of a 1M-record
    // zone's sort (an AXFR in, an import).
    std::vector<RecordSetKey> keys;
    keys.reserve(all.size());
    for (const auto& rs : all) keys.push_back(key_of(rs));
    std::vector<size_t> order(all.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&keys](size_t a, size_t b) { return keys[a] < keys[b]; });
    keys.clear();
    keys.shrink_to_fit();
    clear();
    for (size_t i : order) push_back(std::move(all[i]));
}

void RecordSetList::clear() {
    chunks_.clear();
    starts_.clear();
    size_ = 0;
}

std::pair<size_t, size_t> RecordSetList::locate(const RecordSetKey& key) const {
    // The last chunk whose first key is not after `key`, then inside it.
    auto c = std::upper_bound(chunks_.begin(), chunks_.end(), key,
                              [](const RecordSetKey& k, const std::shared_ptr<Chunk>& chunk) {
                                  return k < key_of(chunk->front());
                              });
    size_t chunk = c == chunks_.begin() ? 0 : static_cast<size_t>(c - chunks_.begin()) - 1;
    if (chunks_.empty()) return {0, 0};
    const Chunk& in = *chunks_[chunk];
    auto at = std::lower_bound(in.begin(), in.end(), key,
                               [](const policy::RecordSet& rs, const RecordSetKey& k) { return key_of(rs) < k; });
    return {chunk, static_cast<size_t>(at - in.begin())};
}

const policy::RecordSet* RecordSetList::find(const RecordSetKey& key) const {
    if (chunks_.empty()) return nullptr;
    auto [chunk, offset] = locate(key);
    const Chunk& in = *chunks_[chunk];
    return offset < in.size() && key_of(in[offset]) == key ? &in[offset] : nullptr;
}

void RecordSetList::upsert(policy::RecordSet rs) {
    const RecordSetKey key = key_of(rs);
    if (chunks_.empty()) {
        push_back(std::move(rs));
        return;
    }
    auto [chunk, offset] = locate(key);
    Chunk& in = own(chunk);
    if (offset < in.size() && key_of(in[offset]) == key) {
        in[offset] = std::move(rs);
        return;
    }
    in.insert(in.begin() + static_cast<std::ptrdiff_t>(offset), std::move(rs));
    if (in.size() > 2 * kChunk) {
        auto half = std::make_shared<Chunk>(std::make_move_iterator(in.begin() + kChunk),
                                            std::make_move_iterator(in.end()));
        in.resize(kChunk);
        chunks_.insert(chunks_.begin() + static_cast<std::ptrdiff_t>(chunk) + 1, std::move(half));
    }
    reindex();
}

bool RecordSetList::erase(const RecordSetKey& key) {
    if (chunks_.empty()) return false;
    auto [chunk, offset] = locate(key);
    if (offset >= chunks_[chunk]->size() || !(key_of((*chunks_[chunk])[offset]) == key)) return false;
    Chunk& in = own(chunk);
    in.erase(in.begin() + static_cast<std::ptrdiff_t>(offset));
    if (in.empty()) chunks_.erase(chunks_.begin() + static_cast<std::ptrdiff_t>(chunk));
    reindex();
    return true;
}

size_t RecordSetList::shared_chunks(const RecordSetList& other) const {
    size_t n = 0;
    for (const auto& c : chunks_) {
        n += static_cast<size_t>(std::count(other.chunks_.begin(), other.chunks_.end(), c));
    }
    return n;
}

}  // namespace fz::change
