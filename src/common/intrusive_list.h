// A doubly linked list threaded through its elements (as the Linux kernel's list_head):
// push, unlink and move to the back in O(1), no allocation. An element takes part in one
// list per ListHook member it has, and is in that list at most once.
#pragma once

#include <cstddef>

namespace fz {

template <class T>
struct ListHook {
    T* prev = nullptr;
    T* next = nullptr;
    bool linked = false;
};

template <class T, ListHook<T> T::*Hook>
class IntrusiveList {
public:
    IntrusiveList() = default;
    IntrusiveList(const IntrusiveList&) = delete;
    IntrusiveList& operator=(const IntrusiveList&) = delete;

    bool empty() const { return head_ == nullptr; }
    size_t size() const { return size_; }
    // The element pushed longest ago (null when empty).
    T* front() const { return head_; }
    static T* next(const T& x) { return (x.*Hook).next; }
    static bool contains(const T& x) { return (x.*Hook).linked; }

    void push_back(T& x) {
        ListHook<T>& h = x.*Hook;
        if (h.linked) return;
        h.prev = tail_;
        h.next = nullptr;
        h.linked = true;
        if (tail_ != nullptr) {
            (tail_->*Hook).next = &x;
        } else {
            head_ = &x;
        }
        tail_ = &x;
        ++size_;
    }

    // Unlinks x if it is in the list; nothing otherwise.
    void remove(T& x) {
        ListHook<T>& h = x.*Hook;
        if (!h.linked) return;
        if (h.prev != nullptr) {
            (h.prev->*Hook).next = h.next;
        } else {
            head_ = h.next;
        }
        if (h.next != nullptr) {
            (h.next->*Hook).prev = h.prev;
        } else {
            tail_ = h.prev;
        }
        h = ListHook<T>{};
        --size_;
    }

    void move_to_back(T& x) {
        if (tail_ == &x) return;
        remove(x);
        push_back(x);
    }

private:
    T* head_ = nullptr;
    T* tail_ = nullptr;
    size_t size_ = 0;
};

}  // namespace fz
