/* The Windows SDK's RIO declarations that mingw-w64 lacks, in the SDK's
 * names and layout (mswsockdef.h, mswsock.h), for
 * test/repository/consumers.test.ts: it compiles the RIO snippet of
 * docs/consumers.md with mingw-w64 and -include this file, where the Windows
 * SDK would need nothing more. Each group is declared only where the
 * toolchain lacks it: the types and flags under their own macros, the
 * function table, which no macro announces and no mingw-w64 declares, for
 * mingw-w64 only. */
#ifndef RBP_TEST_MINGW_RIO_H
#define RBP_TEST_MINGW_RIO_H

#include <winsock2.h>
#include <mswsock.h>

/* mswsockdef.h: the handle types, RIO_BUF and RIORESULT, as newer mingw-w64
 * releases declare them (the stand-in the Windows build already uses). */
#ifndef RIO_INVALID_BUFFERID
#include "../../native/newer_mswsockdef.h"
#endif

#ifndef SIO_GET_MULTIPLE_EXTENSION_FUNCTION_POINTER
#define SIO_GET_MULTIPLE_EXTENSION_FUNCTION_POINTER _WSAIORW(IOC_WS2, 36)
#endif

#ifndef WSAID_MULTIPLE_RIO
#define WSAID_MULTIPLE_RIO {0x8509e081, 0x96dd, 0x4005, {0xb1, 0x65, 0x9e, 0x2e, 0xe8, 0xc7, 0x9e, 0x3f}}
#endif

#ifndef RIO_MSG_DONT_NOTIFY
#define RIO_MSG_DONT_NOTIFY 0x00000001
#define RIO_MSG_DEFER 0x00000002
#define RIO_MSG_WAITALL 0x00000004
#define RIO_MSG_COMMIT_ONLY 0x00000008
#endif

/* mswsock.h: the function pointer types and the table. */
#ifdef __MINGW32__
typedef struct _RIO_NOTIFICATION_COMPLETION *PRIO_NOTIFICATION_COMPLETION;

typedef BOOL(PASCAL FAR *LPFN_RIORECEIVE)(RIO_RQ SocketQueue, PRIO_BUF pData, ULONG DataBufferCount, DWORD Flags,
                                          PVOID RequestContext);
typedef int(PASCAL FAR *LPFN_RIORECEIVEEX)(RIO_RQ SocketQueue, PRIO_BUF pData, ULONG DataBufferCount,
                                           PRIO_BUF pLocalAddress, PRIO_BUF pRemoteAddress, PRIO_BUF pControlContext,
                                           PRIO_BUF pFlags, DWORD Flags, PVOID RequestContext);
typedef BOOL(PASCAL FAR *LPFN_RIOSEND)(RIO_RQ SocketQueue, PRIO_BUF pData, ULONG DataBufferCount, DWORD Flags,
                                       PVOID RequestContext);
typedef BOOL(PASCAL FAR *LPFN_RIOSENDEX)(RIO_RQ SocketQueue, PRIO_BUF pData, ULONG DataBufferCount,
                                         PRIO_BUF pLocalAddress, PRIO_BUF pRemoteAddress, PRIO_BUF pControlContext,
                                         PRIO_BUF pFlags, DWORD Flags, PVOID RequestContext);
typedef VOID(PASCAL FAR *LPFN_RIOCLOSECOMPLETIONQUEUE)(RIO_CQ CQ);
typedef RIO_CQ(PASCAL FAR *LPFN_RIOCREATECOMPLETIONQUEUE)(DWORD QueueSize,
                                                         PRIO_NOTIFICATION_COMPLETION NotificationCompletion);
typedef RIO_RQ(PASCAL FAR *LPFN_RIOCREATEREQUESTQUEUE)(SOCKET Socket, ULONG MaxOutstandingReceive,
                                                      ULONG MaxReceiveDataBuffers, ULONG MaxOutstandingSend,
                                                      ULONG MaxSendDataBuffers, RIO_CQ ReceiveCQ, RIO_CQ SendCQ,
                                                      PVOID SocketContext);
typedef ULONG(PASCAL FAR *LPFN_RIODEQUEUECOMPLETION)(RIO_CQ CQ, PRIORESULT Array, ULONG ArraySize);
typedef VOID(PASCAL FAR *LPFN_RIODEREGISTERBUFFER)(RIO_BUFFERID BufferId);
typedef INT(PASCAL FAR *LPFN_RIONOTIFY)(RIO_CQ CQ);
typedef RIO_BUFFERID(PASCAL FAR *LPFN_RIOREGISTERBUFFER)(PCHAR DataBuffer, DWORD DataLength);
typedef BOOL(PASCAL FAR *LPFN_RIORESIZECOMPLETIONQUEUE)(RIO_CQ CQ, DWORD QueueSize);
typedef BOOL(PASCAL FAR *LPFN_RIORESIZEREQUESTQUEUE)(RIO_RQ RQ, DWORD MaxOutstandingReceive, DWORD MaxOutstandingSend);

typedef struct _RIO_EXTENSION_FUNCTION_TABLE {
  DWORD cbSize;
  LPFN_RIORECEIVE RIOReceive;
  LPFN_RIORECEIVEEX RIOReceiveEx;
  LPFN_RIOSEND RIOSend;
  LPFN_RIOSENDEX RIOSendEx;
  LPFN_RIOCLOSECOMPLETIONQUEUE RIOCloseCompletionQueue;
  LPFN_RIOCREATECOMPLETIONQUEUE RIOCreateCompletionQueue;
  LPFN_RIOCREATEREQUESTQUEUE RIOCreateRequestQueue;
  LPFN_RIODEQUEUECOMPLETION RIODequeueCompletion;
  LPFN_RIODEREGISTERBUFFER RIODeregisterBuffer;
  LPFN_RIONOTIFY RIONotify;
  LPFN_RIOREGISTERBUFFER RIORegisterBuffer;
  LPFN_RIORESIZECOMPLETIONQUEUE RIOResizeCompletionQueue;
  LPFN_RIORESIZEREQUESTQUEUE RIOResizeRequestQueue;
} RIO_EXTENSION_FUNCTION_TABLE, *PRIO_EXTENSION_FUNCTION_TABLE;
#endif

#endif /* RBP_TEST_MINGW_RIO_H */
