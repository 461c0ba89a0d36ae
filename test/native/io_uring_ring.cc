#include "io_uring_ring.h"

#include <arpa/inet.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace uring_test {

namespace {

using rbp::OsError;

int setup(uint32_t entries, io_uring_params* params) {
  return static_cast<int>(syscall(__NR_io_uring_setup, entries, params));
}

// The offsets a ring of this geometry has: the kernel lays out every ring
// with the same entries and flags alike.
OsError geometry(uint32_t sq_entries, uint32_t cq_entries, io_uring_params* params) {
  std::memset(params, 0, sizeof(*params));
  params->flags = IORING_SETUP_CQSIZE;
  params->cq_entries = cq_entries;
  int fd = setup(sq_entries, params);
  if (fd < 0) return OsError::from_errno(errno, "io_uring_setup");
  close(fd);
  return {};
}

OsError map(int fd, const io_uring_params& p, Ring* ring) {
  const size_t sq_size = p.sq_off.array + p.sq_entries * sizeof(uint32_t);
  const size_t cq_size = p.cq_off.cqes + p.cq_entries * sizeof(io_uring_cqe);
  ring->rings_size = sq_size > cq_size ? sq_size : cq_size;
  void* rings = mmap(nullptr, ring->rings_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
  if (rings == MAP_FAILED) return OsError::from_errno(errno, "mmap");
  ring->rings = rings;
  ring->sqes_size = p.sq_entries * sizeof(io_uring_sqe);
  void* sqes = mmap(nullptr, ring->sqes_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
  if (sqes == MAP_FAILED) return OsError::from_errno(errno, "mmap");
  ring->sqes = static_cast<io_uring_sqe*>(sqes);
  char* base = static_cast<char*>(rings);
  ring->sq_head = reinterpret_cast<uint32_t*>(base + p.sq_off.head);
  ring->sq_tail = reinterpret_cast<uint32_t*>(base + p.sq_off.tail);
  ring->sq_array = reinterpret_cast<uint32_t*>(base + p.sq_off.array);
  ring->sq_mask = *reinterpret_cast<uint32_t*>(base + p.sq_off.ring_mask);
  ring->sq_entries = p.sq_entries;
  ring->cq_head = reinterpret_cast<uint32_t*>(base + p.cq_off.head);
  ring->cq_tail = reinterpret_cast<uint32_t*>(base + p.cq_off.tail);
  ring->cq_mask = *reinterpret_cast<uint32_t*>(base + p.cq_off.ring_mask);
  ring->cqes = reinterpret_cast<io_uring_cqe*>(base + p.cq_off.cqes);
  ring->fd = fd;
  return {};
}

}  // namespace

void Ring::release() {
  if (sqes != nullptr) munmap(sqes, sqes_size);
  if (rings != nullptr) munmap(rings, rings_size);
  if (owns_fd && fd >= 0) close(fd);
  sqes = nullptr;
  rings = nullptr;
  fd = -1;
}

OsError open_ring(int fd, Ring* ring) {
  // The entry counts sit at fixed places in the first page: learn where from
  // a one-entry ring, read them, then learn the rest from a twin.
  io_uring_params small;
  std::memset(&small, 0, sizeof(small));
  int probe = setup(1, &small);
  if (probe < 0) return OsError::from_errno(errno, "io_uring_setup");
  close(probe);
  if (!(small.features & IORING_FEAT_SINGLE_MMAP)) return OsError::from_errno(ENOTSUP, "io_uring_setup");
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  void* head = mmap(nullptr, page, PROT_READ, MAP_SHARED, fd, IORING_OFF_SQ_RING);
  if (head == MAP_FAILED) return OsError::from_errno(errno, "mmap");
  const uint32_t sq_entries = *reinterpret_cast<uint32_t*>(static_cast<char*>(head) + small.sq_off.ring_entries);
  const uint32_t cq_entries = *reinterpret_cast<uint32_t*>(static_cast<char*>(head) + small.cq_off.ring_entries);
  munmap(head, page);
  io_uring_params params;
  OsError err = geometry(sq_entries, cq_entries, &params);
  if (err.failed()) return err;
  return map(fd, params, ring);
}

OsError create_ring(uint32_t entries, uint32_t flags, Ring* ring) {
  io_uring_params params;
  std::memset(&params, 0, sizeof(params));
  params.flags = flags;
  int fd = setup(entries, &params);
  if (fd < 0) return OsError::from_errno(errno, "io_uring_setup");
  ring->owns_fd = true;
  ring->fd = fd;
  return map(fd, params, ring);
}

OsError submit(Ring* ring, const std::vector<io_uring_sqe>& sqes) {
  uint32_t tail = *ring->sq_tail;  // we are the only producer
  const uint32_t head = __atomic_load_n(ring->sq_head, __ATOMIC_ACQUIRE);
  if (tail - head + sqes.size() > ring->sq_entries) return OsError::from_errno(EBUSY, "io_uring_enter");
  for (const io_uring_sqe& sqe : sqes) {
    const uint32_t index = tail & ring->sq_mask;
    ring->sqes[index] = sqe;
    ring->sq_array[index] = index;
    tail++;
  }
  __atomic_store_n(ring->sq_tail, tail, __ATOMIC_RELEASE);
  uint32_t left = static_cast<uint32_t>(sqes.size());
  while (left > 0) {
    long r = syscall(__NR_io_uring_enter, ring->fd, left, 0, 0, nullptr, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      return OsError::from_errno(errno, "io_uring_enter");
    }
    left -= static_cast<uint32_t>(r);
  }
  return {};
}

OsError reap(Ring* ring, uint32_t min, uint32_t timeout_ms, std::vector<io_uring_cqe>* out) {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  const int64_t deadline = now.tv_sec * 1000000000LL + now.tv_nsec + timeout_ms * 1000000LL;
  for (;;) {
    uint32_t head = *ring->cq_head;
    const uint32_t tail = __atomic_load_n(ring->cq_tail, __ATOMIC_ACQUIRE);
    for (; head != tail; head++) out->push_back(ring->cqes[head & ring->cq_mask]);
    __atomic_store_n(ring->cq_head, head, __ATOMIC_RELEASE);
    if (out->size() >= min) return {};
    clock_gettime(CLOCK_MONOTONIC, &now);
    const int64_t left = deadline - (now.tv_sec * 1000000000LL + now.tv_nsec);
    if (left <= 0) return {};
    __kernel_timespec ts{left / 1000000000LL, left % 1000000000LL};
    io_uring_getevents_arg arg;
    std::memset(&arg, 0, sizeof(arg));
    arg.ts = reinterpret_cast<uint64_t>(&ts);
    const unsigned want = min - static_cast<unsigned>(out->size());
    long r = syscall(__NR_io_uring_enter, ring->fd, 0, want, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg,
                     sizeof(arg));
    if (r < 0 && errno != ETIME && errno != EINTR) return OsError::from_errno(errno, "io_uring_enter");
  }
}

OsError tcp_connect(uint16_t port, int* fd) {
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return OsError::from_errno(errno, "socket");
  sockaddr_in addr;
  std::memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    OsError err = OsError::from_errno(errno, "connect");
    close(s);
    return err;
  }
  *fd = s;
  return {};
}

OsError restrict_memlock(uint64_t bytes, bool* dropped) {
  rlimit limit{bytes, bytes};
  if (setrlimit(RLIMIT_MEMLOCK, &limit) != 0) return OsError::from_errno(errno, "setrlimit");
  prctl(PR_CAPBSET_DROP, CAP_IPC_LOCK, 0, 0, 0);  // fails without CAP_SETPCAP: then it was not ours anyway
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2];
  if (syscall(SYS_capget, &header, data) != 0) return OsError::from_errno(errno, "capget");
  data[CAP_TO_INDEX(CAP_IPC_LOCK)].effective &= ~CAP_TO_MASK(CAP_IPC_LOCK);
  data[CAP_TO_INDEX(CAP_IPC_LOCK)].permitted &= ~CAP_TO_MASK(CAP_IPC_LOCK);
  data[CAP_TO_INDEX(CAP_IPC_LOCK)].inheritable &= ~CAP_TO_MASK(CAP_IPC_LOCK);
  if (syscall(SYS_capset, &header, data) != 0) return OsError::from_errno(errno, "capset");
  if (syscall(SYS_capget, &header, data) != 0) return OsError::from_errno(errno, "capget");
  *dropped = (data[CAP_TO_INDEX(CAP_IPC_LOCK)].effective & CAP_TO_MASK(CAP_IPC_LOCK)) == 0;
  return {};
}

}  // namespace uring_test
