// Returning freed memory to the system after a large free (a reload that replaced a big
// snapshot with a small one). Control plane only.
#pragma once

namespace fz {

// Asks the allocator to give the pages it keeps for reuse back to the system: jemalloc's
// purge of every arena when fastzoned runs on jemalloc (it links it), glibc's malloc_trim
// otherwise. Returns what was done, for the log ("jemalloc purge", "malloc_trim").
const char* release_free_memory();

}  // namespace fz
