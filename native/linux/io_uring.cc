// Linux half of core/io_uring.h: raw io_uring_setup / io_uring_register calls.
// The installed headers may be older than the kernel: constants from later
// releases are defined here when missing, with the kernel's values.
#include "../core/io_uring.h"

#include <fcntl.h>
#include <linux/io_uring.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <vector>

#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif
#ifndef __NR_io_uring_register
#define __NR_io_uring_register 427
#endif

namespace rbp {

namespace {

// Linux 6.12: IORING_REGISTER_CLONE_BUFFERS. 6.13: the source and
// destination offsets, the count and DST_REPLACE in the same struct.
constexpr unsigned kRegisterCloneBuffers = 30;
constexpr uint32_t kCloneDstReplace = 1u << 1;
struct CloneBuffers {
  uint32_t src_fd;
  uint32_t flags;
  uint32_t src_off;
  uint32_t dst_off;
  uint32_t nr;
  uint32_t pad[3];
};
static_assert(sizeof(CloneBuffers) == 32, "struct io_uring_clone_buffers");

int uring_register(int fd, unsigned opcode, const void* arg, unsigned nr_args) {
  for (;;) {
    long r = syscall(__NR_io_uring_register, fd, opcode, arg, nr_args);
    if (r >= 0) return 0;
    if (errno != EINTR) return errno;
  }
}

OsError registering(int number) {
  return number == 0 ? OsError{} : OsError::from_errno(number, "io_uring_register");
}

OsError setup(uint32_t entries, int* fd) {
  io_uring_params params;
  std::memset(&params, 0, sizeof(params));
  long r = syscall(__NR_io_uring_setup, entries, &params);
  if (r < 0) return OsError::from_errno(errno, "io_uring_setup");
  // io_uring fds are close-on-exec since 5.x; older kernels need telling.
  fcntl(static_cast<int>(r), F_SETFD, FD_CLOEXEC);
  *fd = static_cast<int>(r);
  return {};
}

OsError update(int fd, uint32_t first, const iovec* iovecs, uint32_t count) {
  io_uring_rsrc_update2 up;
  std::memset(&up, 0, sizeof(up));
  up.offset = first;
  up.data = reinterpret_cast<uint64_t>(iovecs);
  up.nr = count;
  return registering(uring_register(fd, IORING_REGISTER_BUFFERS_UPDATE, &up, sizeof(up)));
}

OsError probe_once() {
  int fd = -1;
  OsError err = setup(1, &fd);
  if (err.failed()) return err;
  err = io_uring_table_create(fd, 1);
  close(fd);
  // Before 5.19 a sparse table is an unknown flag.
  if (err.failed() && err.number == EINVAL) return OsError::from_errno(ENOTSUP, "io_uring_register");
  return err;
}

// Out of descriptors or memory for a moment: says nothing about io_uring.
bool transient(const OsError& err) {
  switch (err.number) {
    case EMFILE: case ENFILE: case ENOMEM: case EAGAIN: case EINTR: return true;
    default: return false;
  }
}

}  // namespace

OsError io_uring_probe() {
  static std::mutex mutex;
  static bool settled = false;
  static OsError result;
  std::lock_guard<std::mutex> lock(mutex);
  if (settled) return result;
  OsError err = probe_once();
  if (transient(err)) return err;
  result = err;
  settled = true;
  return result;
}

OsError io_uring_ring_identity(int fd, RingIdentity* id) {
  struct stat st;
  if (fstat(fd, &st) != 0) return OsError::from_errno(errno, "fstat");
  id->dev = static_cast<uint64_t>(st.st_dev);
  id->ino = static_cast<uint64_t>(st.st_ino);
  return {};
}

OsError io_uring_ring_open(uint32_t entries, int* fd) { return setup(entries, fd); }

OsError io_uring_ring_dup(int fd, int* copy) {
  int got = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (got < 0) return OsError::from_errno(errno, "fcntl");
  *copy = got;
  return {};
}

void io_uring_ring_close(int fd) { close(fd); }

OsError io_uring_table_create(int fd, uint32_t slots) {
  io_uring_rsrc_register reg;
  std::memset(&reg, 0, sizeof(reg));
  reg.nr = slots;
  reg.flags = IORING_RSRC_REGISTER_SPARSE;
  return registering(uring_register(fd, IORING_REGISTER_BUFFERS2, &reg, sizeof(reg)));
}

OsError io_uring_slot_fill(int fd, uint32_t slot, uint64_t address, uint64_t length) {
  iovec iov{reinterpret_cast<void*>(address), static_cast<size_t>(length)};
  return update(fd, slot, &iov, 1);
}

OsError io_uring_slots_empty(int fd, uint32_t first, uint32_t count) {
  std::vector<iovec> empty(count, iovec{nullptr, 0});
  return update(fd, first, empty.data(), count);
}

OsError io_uring_slots_clone(int dst, int src, uint32_t first, uint32_t count) {
  CloneBuffers clone;
  std::memset(&clone, 0, sizeof(clone));
  clone.src_fd = static_cast<uint32_t>(src);
  clone.flags = kCloneDstReplace;
  clone.src_off = first;
  clone.dst_off = first;
  clone.nr = count;
  return registering(uring_register(dst, kRegisterCloneBuffers, &clone, 1));
}

bool io_uring_memlock_limit(uint64_t* soft, uint64_t* hard) {
  rlimit limit;
  if (getrlimit(RLIMIT_MEMLOCK, &limit) != 0) return false;
  *soft = limit.rlim_cur == RLIM_INFINITY ? UINT64_MAX : static_cast<uint64_t>(limit.rlim_cur);
  *hard = limit.rlim_max == RLIM_INFINITY ? UINT64_MAX : static_cast<uint64_t>(limit.rlim_max);
  return true;
}

}  // namespace rbp
