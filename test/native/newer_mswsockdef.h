// Stand-in for the mswsockdef.h of mingw-w64 releases newer than Debian's 10:
// the RIO handle types, RIO_BUF, RIORESULT and the RIO_INVALID_* and
// RIO_CORRUPT_CQ macros, but neither WSAID_MULTIPLE_RIO nor the function
// table. scripts/windows/build.js compiles native/win/rio_winsock.cc with
// this force-included, so native/win/rio_types.h is shown to build against
// such a toolchain as well as against mingw-w64 10 and the Windows SDK.
#pragma once

#include <winsock2.h>

typedef struct RIO_BUFFERID_t* RIO_BUFFERID, **PRIO_BUFFERID;
typedef struct RIO_CQ_t* RIO_CQ, **PRIO_CQ;
typedef struct RIO_RQ_t* RIO_RQ, **PRIO_RQ;

typedef struct _RIORESULT {
  LONG Status;
  ULONG BytesTransferred;
  ULONGLONG SocketContext;
  ULONGLONG RequestContext;
} RIORESULT, *PRIORESULT;

typedef struct _RIO_BUF {
  RIO_BUFFERID BufferId;
  ULONG Offset;
  ULONG Length;
} RIO_BUF, *PRIO_BUF;

#define RIO_INVALID_BUFFERID ((RIO_BUFFERID)(ULONG_PTR)0xFFFFFFFF)
#define RIO_INVALID_CQ ((RIO_CQ)0)
#define RIO_INVALID_RQ ((RIO_RQ)0)
#define RIO_CORRUPT_CQ 0xFFFFFFFF
