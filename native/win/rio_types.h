// The RIO declarations Winsock code needs, in the SDK's exact layout.
//
// Toolchains differ in what they declare: the Windows SDK has everything;
// mingw-w64 10 nothing but WSA_FLAG_REGISTERED_IO; newer mingw-w64 has an
// mswsockdef.h with the handle types, RIO_BUF, RIORESULT and RIO_INVALID_*,
// but perhaps not the GUID or the function table. So each group is declared
// here only when its own macro is missing, and the function table, which no
// macro announces, is declared under a name of this project's own
// (rbp::RioFunctionTable), so no toolchain's declaration can clash with it.
#pragma once

#include <winsock2.h>
#include <mswsock.h>
#include <windows.h>

// RIO_INVALID_BUFFERID comes with the handle types, RIO_BUF and RIORESULT
// (mswsockdef.h in the SDK and in newer mingw-w64).
#ifndef RIO_INVALID_BUFFERID
typedef struct RIO_BUFFERID_t* RIO_BUFFERID;
typedef struct RIO_CQ_t* RIO_CQ;
typedef struct RIO_RQ_t* RIO_RQ;

typedef struct _RIO_BUF {
  RIO_BUFFERID BufferId;
  ULONG Offset;
  ULONG Length;
} RIO_BUF, *PRIO_BUF;

typedef struct _RIORESULT {
  LONG Status;
  ULONG BytesTransferred;
  ULONGLONG SocketContext;
  ULONGLONG RequestContext;
} RIORESULT, *PRIORESULT;

#define RIO_INVALID_BUFFERID ((RIO_BUFFERID)(ULONG_PTR)0xFFFFFFFF)
#endif  // RIO_INVALID_BUFFERID

#ifndef RIO_INVALID_CQ
#define RIO_INVALID_CQ ((RIO_CQ)0)
#endif

#ifndef RIO_INVALID_RQ
#define RIO_INVALID_RQ ((RIO_RQ)0)
#endif

#ifndef RIO_CORRUPT_CQ
#define RIO_CORRUPT_CQ 0xFFFFFFFF
#endif

#ifndef WSAID_MULTIPLE_RIO
#define WSAID_MULTIPLE_RIO \
  {0x8509e081, 0x96dd, 0x4005, {0xb1, 0x65, 0x9e, 0x2e, 0xe8, 0xc7, 0x9e, 0x3f}}
#endif

#ifndef SIO_GET_MULTIPLE_EXTENSION_FUNCTION_POINTER
#define SIO_GET_MULTIPLE_EXTENSION_FUNCTION_POINTER _WSAIORW(IOC_WS2, 36)
#endif

namespace rbp {

// RIO_NOTIFICATION_COMPLETION: only ever passed as NULL here (polled queues).
struct RioNotificationCompletion;

// RIO_EXTENSION_FUNCTION_TABLE, field for field.
struct RioFunctionTable {
  DWORD cbSize;
  BOOL(PASCAL* RIOReceive)(RIO_RQ, PRIO_BUF, ULONG, DWORD, PVOID);
  int(PASCAL* RIOReceiveEx)(RIO_RQ, PRIO_BUF, ULONG, PRIO_BUF, PRIO_BUF, PRIO_BUF, PRIO_BUF, DWORD, PVOID);
  BOOL(PASCAL* RIOSend)(RIO_RQ, PRIO_BUF, ULONG, DWORD, PVOID);
  BOOL(PASCAL* RIOSendEx)(RIO_RQ, PRIO_BUF, ULONG, PRIO_BUF, PRIO_BUF, PRIO_BUF, PRIO_BUF, DWORD, PVOID);
  VOID(PASCAL* RIOCloseCompletionQueue)(RIO_CQ);
  RIO_CQ(PASCAL* RIOCreateCompletionQueue)(DWORD, RioNotificationCompletion*);
  RIO_RQ(PASCAL* RIOCreateRequestQueue)(SOCKET, ULONG, ULONG, ULONG, ULONG, RIO_CQ, RIO_CQ, PVOID);
  ULONG(PASCAL* RIODequeueCompletion)(RIO_CQ, PRIORESULT, ULONG);
  VOID(PASCAL* RIODeregisterBuffer)(RIO_BUFFERID);
  INT(PASCAL* RIONotify)(RIO_CQ);
  RIO_BUFFERID(PASCAL* RIORegisterBuffer)(PCHAR, DWORD);
  BOOL(PASCAL* RIOResizeCompletionQueue)(RIO_CQ, DWORD);
  BOOL(PASCAL* RIOResizeRequestQueue)(RIO_RQ, DWORD, DWORD);
};

}  // namespace rbp

static_assert(sizeof(RIO_BUF) == sizeof(void*) + 8, "RIO_BUF must be {BufferId, ULONG, ULONG}");
static_assert(sizeof(RIORESULT) == 24, "RIORESULT must be {LONG, ULONG, ULONGLONG, ULONGLONG}");
static_assert(sizeof(rbp::RioFunctionTable) == 8 + 13 * sizeof(void*),
              "RioFunctionTable must be RIO_EXTENSION_FUNCTION_TABLE: cbSize, then 13 function pointers");
