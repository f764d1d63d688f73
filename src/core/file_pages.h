// file_pages.h — giving back the resident pages of a file mapping whose contents were copied.
//
// Weights mapped straight from an archive are read once to pack them into a kernel's layout;
// after that the file's copy need not stay resident. This is plain memory management (pagemap and
// madvise), independent of who mapped the file, so the kernels and the archive reader both sit
// above it.
#pragma once

#include <cstddef>

namespace ember {

// Drops from this process's resident set the pages of [data, data + nbytes) (whole pages inside
// the range only) that are unmodified pages of a file mapping, e.g. weights of an mmap'd archive
// that have been copied into another layout. They stay in the page cache and fault back in if
// read again, so nothing changes for readers; pages written since mapping (private copies) and
// anonymous memory are left alone. Returns the bytes released (0 where the kernel does not say
// which pages are file pages).
size_t release_file_pages(const void* data, size_t nbytes);

}  // namespace ember
