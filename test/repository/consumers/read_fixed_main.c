/* The io_uring snippet of docs/consumers.md, run: test/repository/consumers.test.ts
 * compiles this with the snippet's prep_read_fixed() and runs it with the
 * ring of a pool's IoUringRegistrar as fd 3 and an open file as fd 4. It maps
 * that ring as the native side of a networking library would map its own,
 * fills one SQE with prep_read_fixed() from the lease's bufferId, address and
 * length given on its command line, submits it, waits for its completion and
 * prints "user_data res". The kernel writes into the lease's pages, which the
 * test then reads through lease.buffer.
 *
 * Usage: read_fixed_main ENTRIES BUF_INDEX ADDR LEN
 * ENTRIES is the ring's SQ size (IoUringRegistrar.create's `entries`): the
 * ring's layout is learned from a throwaway ring of the same size, as the
 * registrar makes its rings with no setup flags. */
#define _GNU_SOURCE /* syscall(), MAP_POPULATE */
#include <linux/io_uring.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

void prep_read_fixed(struct io_uring_sqe *sqe, int fd, uint64_t file_offset,
                     uint16_t buf_index, uint64_t addr, uint32_t len, uint64_t user_data);

enum { RING_FD = 3, FILE_FD = 4, USER_DATA = 42 };

static int fail(const char *what) {
  fprintf(stderr, "%s: %s\n", what, strerror(errno));
  return 2;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s ENTRIES BUF_INDEX ADDR LEN\n", argv[0]);
    return 2;
  }
  const unsigned entries = (unsigned)strtoul(argv[1], NULL, 10);
  const uint16_t buf_index = (uint16_t)strtoul(argv[2], NULL, 10);
  const uint64_t addr = strtoull(argv[3], NULL, 10);
  const uint32_t len = (uint32_t)strtoul(argv[4], NULL, 10);

  struct io_uring_params p;
  memset(&p, 0, sizeof p);
  const int twin = (int)syscall(__NR_io_uring_setup, entries, &p);
  if (twin < 0) return fail("io_uring_setup");
  close(twin);
  if (!(p.features & IORING_FEAT_SINGLE_MMAP)) {
    fprintf(stderr, "the kernel lacks IORING_FEAT_SINGLE_MMAP\n");
    return 2;
  }

  const size_t sq_size = p.sq_off.array + p.sq_entries * sizeof(uint32_t);
  const size_t cq_size = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
  const size_t rings_size = sq_size > cq_size ? sq_size : cq_size;
  char *rings = mmap(NULL, rings_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, RING_FD, IORING_OFF_SQ_RING);
  if (rings == MAP_FAILED) return fail("mmap (rings)");
  struct io_uring_sqe *sqes = mmap(NULL, p.sq_entries * sizeof *sqes, PROT_READ | PROT_WRITE,
                                   MAP_SHARED | MAP_POPULATE, RING_FD, IORING_OFF_SQES);
  if (sqes == MAP_FAILED) return fail("mmap (sqes)");
  unsigned *sq_tail = (unsigned *)(rings + p.sq_off.tail);
  unsigned *sq_array = (unsigned *)(rings + p.sq_off.array);
  const unsigned sq_mask = *(unsigned *)(rings + p.sq_off.ring_mask);
  unsigned *cq_head = (unsigned *)(rings + p.cq_off.head);
  unsigned *cq_tail = (unsigned *)(rings + p.cq_off.tail);
  const unsigned cq_mask = *(unsigned *)(rings + p.cq_off.ring_mask);
  struct io_uring_cqe *cqes = (struct io_uring_cqe *)(rings + p.cq_off.cqes);

  const unsigned tail = *sq_tail;  /* the only producer */
  const unsigned index = tail & sq_mask;
  prep_read_fixed(&sqes[index], FILE_FD, 0, buf_index, addr, len, USER_DATA);
  sq_array[index] = index;
  __atomic_store_n(sq_tail, tail + 1, __ATOMIC_RELEASE);
  if (syscall(__NR_io_uring_enter, RING_FD, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0) return fail("io_uring_enter");

  const unsigned head = *cq_head;
  if (head == __atomic_load_n(cq_tail, __ATOMIC_ACQUIRE)) {
    fprintf(stderr, "io_uring_enter returned without a completion\n");
    return 2;
  }
  const struct io_uring_cqe cqe = cqes[head & cq_mask];
  __atomic_store_n(cq_head, head + 1, __ATOMIC_RELEASE);
  printf("%" PRIu64 " %d\n", (uint64_t)cqe.user_data, cqe.res);
  return 0;
}
