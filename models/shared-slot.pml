/*
 * The shared pool's slot protocol (docs/design/shared-pool.md), checked
 * with spin. Two workers (0, 1) and the main thread (2) over three slots:
 * slab 0 (slots 0, 1) is worker 0's heap, slab 1 (slot 2) worker 1's.
 * Workers lease, release, retain, lend a handle for a foreign retain, post
 * one for adopt, and reclaim dead threads; either worker may be killed
 * before any write (at most MAXKILL kills in a run), so a reclaimer may die
 * mid-reclaim too. Main is never killed; it takes handles from the box,
 * reclaims, and at the end checks that every slot is free, cached once,
 * and its words clean.
 *
 * Each shared word is one step (an atomic store, load or CAS); a thread's
 * plain read-modify-write is a load and a later store, so lost updates are
 * explored. Ghost state (own, leased) records who truly holds what; the
 * protocol's steps never read it, it only steers what a correct program
 * may do (release what it holds, post its only reference). Protocol breaks, one -D macro each, show the
 * assertions bite: BREAK_FAST_RELEASE (the owner frees ignoring pins),
 * BREAK_NO_GEN_BUMP (a remote free keeps the generation), BREAK_TRUST_CACHE
 * (a reclaimer keeps a dead heap's cache), BREAK_NO_OWNER_BIT (a first
 * foreign pin does not mark the owner) and BREAK_UNPIN_ANY_GEN (an unpin
 * CASes whatever generation it finds: the bug this model found in the
 * first draft, a reclaimer freeing a slot a second time).
 */

#define NT 3          /* threads: workers 0 and 1, main 2 */
#define MAIN 2
#define NS 3          /* slots */
#define NSLAB 2
#define NONE 3        /* no thread, no slot */
#define SLAB(i) ((i) < 2 -> 0 : 1)
#define BIT(i) (1 << (i))
/* Operations before a thread ends: worker 0, worker 1, main. */
#ifndef OPS0
#define OPS0 3
#endif
#ifndef OPS1
#define OPS1 2
#endif
#ifndef OPSM
#define OPSM 1
#endif
#define OPS (me == 0 -> OPS0 : (me == 1 -> OPS1 : OPSM))
#ifndef MAXKILL
#define MAXKILL 2
#endif

/* Thread states: reclaim by thread r is RECL + r. */
#define LIVE 0
#define DEAD 1
#define DONE 2
#define RECL 3

/* The count word C[i]: generation | owner | the owner's reference count.
 * Written by its owner with plain stores; CAS only by adopt and reclaim. */
byte Cg[NS]; byte Co[NS]; byte Cn[NS];
/* The pin word P[i]: generation | FREEING | OWNER | mask of foreign pinners.
 * Atomic only. A slot is leased iff Cg == Pg and not Pf. */
byte Pg[NS]; bool Pf[NS]; bool Po[NS]; byte Pm[NS];
byte H[NSLAB];       /* the slab's heap: the thread whose cache it fills */
byte Rb[NSLAB];      /* remote-free set: Atomics.or to publish, exchange to drain */
byte cache[NSLAB];   /* private to H[s]: free slots it may lease */
byte T[NT];          /* thread table, LIVE until native teardown marks DEAD */
byte pc[NT * NS];    /* private to each thread: its foreign pins per slot */

/* Ghost. */
byte own[NT * NS];   /* references thread t holds on slot i's current lease */
bool leased[NS];
byte kills;

/* The message box: a handle posted to another thread, lent or given. */
#define LOAN 0
#define ADOPT 1
byte bslot = NONE; byte bgen; byte bfrom; bit bkind; bool btaken;

#define O(t, i) own[(t) * NS + (i)]
#define PC(t, i) pc[(t) * NS + (i)]

/* terminate(): JS stops before any write; teardown then marks the thread dead. */
#define K if :: (me != MAIN && kills < MAXKILL) -> kills++; goto dead :: skip fi

inline readP(i) { d_step { pg = Pg[i]; pf = Pf[i]; po = Po[i]; pm = Pm[i] } }
inline readC(i) { d_step { cg = Cg[i]; co = Co[i]; cn = Cn[i] } }

/* At every free decision: the slot was leased and no live thread holds it. */
inline ghostFree(i) {
  assert(leased[i]);
  assert(T[0] != LIVE || O(0, i) == 0);
  assert(T[1] != LIVE || O(1, i) == 0);
  assert(T[2] != LIVE || O(2, i) == 0);
  leased[i] = 0
}

/* CAS P[i] from the (pg, pf, po, pm) read to (ng, nf, no, nm); ok says. */
#define CASP(i) if :: (Pg[i] == pg && Pf[i] == pf && Po[i] == po && Pm[i] == pm) -> \
      Pg[i] = ng; Pf[i] = nf; Po[i] = no; Pm[i] = nm; ok = 1 :: else -> ok = 0 fi

/* Give a freed slot back: the heap into its cache, anyone else publishes. */
inline giveBack(i) {
  if
  :: nf -> K; d_step { Rb[SLAB(i)] = Rb[SLAB(i)] | BIT(i) }
  :: else -> K; d_step { assert((cache[SLAB(i)] & BIT(i)) == 0); cache[SLAB(i)] = cache[SLAB(i)] | BIT(i) }
  fi
}

/* The new pin word when the last holder leaves: the generation moves on. */
inline freeWord(i) {
#ifdef BREAK_NO_GEN_BUMP
  ng = pg;
#else
  ng = pg + 1;
#endif
  nf = (H[SLAB(i)] != me); no = 0; nm = 0
}

/* Drop OWNER and/or bit `clear` from P[i] while it still holds lease gen
 * lg; free the slot if nobody is left. The generation check matters: a
 * reclaimer's snapshot may be older than a free by the last pinner. */
inline unpin(i, clearOwner, clear) {
  do
  :: readP(i);
#ifndef BREAK_UNPIN_ANY_GEN
     if :: pf || pg != lg -> frees = 0; break :: else fi;
#endif
     nm = pm & ~(clear); no = po && !clearOwner; ng = pg; nf = 0;
     frees = (nm == 0 && !no);
     if :: frees -> freeWord(i) :: else fi;
     K;
     atomic { CASP(i); if :: ok && frees -> ghostFree(i) :: else fi }
     if :: ok -> break :: else fi
  od;
  if :: frees -> giveBack(i) :: else fi
}

/* Heap drain: exchange the remote set, claim each FREEING slot into the cache. */
inline drain(s) {
  K; d_step { x = Rb[s]; Rb[s] = 0 };
  j = 0;
  do
  :: j < NS -> if
     :: (x & BIT(j)) && SLAB(j) == s ->
        K; atomic { ok = Pf[j]; if :: ok -> Pf[j] = 0; assert(!leased[j]) :: else fi }
        if :: ok -> K; d_step { assert((cache[s] & BIT(j)) == 0); cache[s] = cache[s] | BIT(j) } :: else fi
     :: else fi; j++
  :: else -> break
  od
}

inline lease() {
  if :: H[0] == me -> s = 0 :: H[1] == me -> s = 1 fi;
  if :: cache[s] == 0 -> drain(s) :: else fi;
  if
  :: cache[s] & BIT(0) -> i = 0
  :: cache[s] & BIT(1) -> i = 1
  :: cache[s] & BIT(2) -> i = 2
  :: cache[s] == 0 -> i = NONE
  fi;
  if
  :: i != NONE ->
     K; cache[s] = cache[s] & ~BIT(i);
     K; atomic {
       assert(!leased[i] && !Pf[i] && !Po[i] && Pm[i] == 0 && Cg[i] != Pg[i]);
       Cg[i] = Pg[i]; Co[i] = me; Cn[i] = 1; leased[i] = 1; O(me, i) = 1 }
  :: else
  fi
}

inline release(i) {
  readC(i);
  if
  :: co == me && cn > 1 -> K; atomic { Cn[i] = cn - 1; O(me, i)-- }
  :: co == me && cn == 1 ->
     readP(i);   /* a plain load in JS: the owner's fast path has no atomics */
#ifdef BREAK_FAST_RELEASE
     pm = 0; po = 0;
#endif
     if
     :: pm == 0 && !po && H[SLAB(i)] == me ->
        /* The fast path: two plain stores and a private push. */
        K; atomic { Pg[i] = pg + 1; Pf[i] = 0; Po[i] = 0; Pm[i] = 0; O(me, i)--; ghostFree(i) }
        nf = 0; giveBack(i)
     :: pm == 0 && !po && H[SLAB(i)] != me ->
        freeWord(i); K;
        atomic { CASP(i); if :: ok -> O(me, i)--; ghostFree(i) :: else fi }
        assert(ok);   /* nobody may pin a lease its only holder is releasing */
        giveBack(i)
     :: else ->
        K; atomic { Cn[i] = 0; O(me, i)-- }
        lg = cg; unpin(i, 1, 0)
     fi
  :: else ->
     assert(PC(me, i) > 0);
     if
     :: PC(me, i) > 1 -> PC(me, i)--; O(me, i)--
     :: else -> atomic { PC(me, i) = 0; O(me, i)-- }; lg = Pg[i]; unpin(i, 0, BIT(me))   /* my pin keeps Pg */
     fi
  fi
}

/* A foreign retain of a lent handle (i, g): one CAS that checks the generation. */
inline retainLent() {
  readC(i);
  if
  :: co == me && cn > 0 && cg == g -> K; atomic { Cn[i] = cn + 1; O(me, i)++ }
  :: PC(me, i) > 0 -> PC(me, i)++; O(me, i)++
  :: else ->
     do
     :: readP(i);
        if
        :: pg != g || pf -> assert(T[a] != LIVE); break   /* stale: its lender died */
        :: else
        fi;
        ng = pg; nf = 0; nm = pm | BIT(me);
#ifdef BREAK_NO_OWNER_BIT
        no = po;
#else
        no = po || pm == 0;   /* mask was empty: the holder we rely on is the owner */
#endif
        K; atomic { CASP(i); if :: ok -> PC(me, i)++; O(me, i)++ :: else fi }
        if :: ok -> break :: else fi
     od
  fi
}

/* adopt: one CAS moves the owner's only reference; refused otherwise. The
 * adopter does not know the sender: it CASes against the owner it read. */
inline adopt() {
  readP(i); readC(i);
  if
  :: pg == g && !pf && !po && pm == 0 && cg == g && cn == 1 && co != me ->
     assert(co == a);
     K; atomic {
       ok = (Cg[i] == g && Co[i] == co && Cn[i] == 1);
       if :: ok -> Co[i] = me; O(co, i)--; O(me, i)++ :: else fi }
     assert(ok || T[a] != LIVE)
  :: else -> assert(T[a] != LIVE)   /* refused or stale: only after its sender died */
  fi
}

/* Reclaim dead thread d's hold on slot i; idempotent, so a killed reclaimer's successor redoes it. */
inline reclaimSlot(d, i) {
  do
  :: readP(i); readC(i);
     if
     :: pf -> K; d_step { Rb[SLAB(i)] = Rb[SLAB(i)] | BIT(i) }; break   /* republish: idempotent */
     :: !pf && cg == pg && co == d ->
        if
        :: cn > 0 -> K; atomic { ok = (Cg[i] == cg && Co[i] == d && Cn[i] == cn); if :: ok -> Cn[i] = 0 :: else fi }
        :: else -> ok = 1
        fi;
        if :: ok -> lg = cg; unpin(i, 1, BIT(d)); break :: else fi   /* lost to an adopt: look again */
     :: !pf && cg == pg && co != d && (pm & BIT(d)) -> lg = pg; unpin(i, 0, BIT(d)); break
     :: else -> break
     fi
  od
}

/* Take over dead d's slab s and rebuild its cache from the slot words alone. */
inline takeOver(d, s) {
  K; atomic { ok = (H[s] == d); if :: ok -> H[s] = me :: else fi }
  if
  :: ok ->
#ifndef BREAK_TRUST_CACHE
     K; d_step { Rb[s] = 0 };   /* the scan below finds every FREEING slot */
     newc = 0; j = 0;
     do
     :: j < NS -> if
        :: SLAB(j) == s ->
           readP(j); readC(j);
           if
           :: pf -> K; atomic { ok = Pf[j]; if :: ok -> Pf[j] = 0; assert(!leased[j]) :: else fi }
                    if :: ok -> newc = newc | BIT(j) :: else fi
           :: !pf && cg != pg && pm == 0 && !po -> newc = newc | BIT(j)
           :: else
           fi
        :: else fi; j++
     :: else -> break
     od;
     K; cache[s] = newc
#endif
  :: else
  fi
}

inline reclaim() {
  /* claim d: dead, or claimed by a reclaimer that died */
  if
  :: d = 0 :: d = 1
  fi;
  v = T[d];
  if
  :: d != me && (v == DEAD || (v >= RECL && v - RECL != me && T[v - RECL] != LIVE)) ->
     K; atomic { ok = (T[d] == v); if :: ok -> T[d] = RECL + me :: else fi }
     if
     :: ok ->
        reclaimSlot(d, 0); reclaimSlot(d, 1); reclaimSlot(d, 2);
        takeOver(d, 0); takeOver(d, 1);
        K; atomic { T[d] = DONE; O(d, 0) = 0; O(d, 1) = 0; O(d, 2) = 0 }
     :: else
     fi
  :: else
  fi
}

#define CANRETAIN(x) (Co[x] == me && Cn[x] == 1 && O(me, x) == 1 && !(bslot == x && bfrom == me && bkind == ADOPT))
#define CANREL(x) (O(me, x) > 0 && !(bslot == x && bfrom == me && (bkind == ADOPT || O(me, x) == 1)))

proctype thread(byte me) {
  byte i, s, j, x, g, a, d, v, lg, pg, pm, cg, co, cn, ng, nm, newc, ops;
  bool pf, po, nf, no, ok, frees;
  do
  :: ops < OPS -> ops++;
     if
     :: H[0] == me || H[1] == me -> lease()
     :: CANREL(0) || CANREL(1) || CANREL(2) ->
        if :: CANREL(0) -> i = 0 :: CANREL(1) -> i = 1 :: CANREL(2) -> i = 2 fi;
        release(i)
     :: CANRETAIN(0) || CANRETAIN(2) ->
        if :: CANRETAIN(0) -> i = 0 :: CANRETAIN(2) -> i = 2 fi;
        readC(i); K; atomic { Cn[i] = cn + 1; O(me, i)++ }   /* the owner's retain: a plain store */
     :: bslot == NONE && (O(me, 0) > 0 || O(me, 2) > 0) ->
        /* post a handle: a loan (kept until acked) or, sole holder, for adopt */
        if :: O(me, 0) > 0 -> i = 0 :: O(me, 2) > 0 -> i = 2 fi;
        atomic {
          if
          :: bslot == NONE -> bslot = i; bgen = Pg[i]; bfrom = me; bkind = LOAN
          :: bslot == NONE && O(me, i) == 1 && Co[i] == me && Cn[i] == 1 && !Po[i] && Pm[i] == 0 ->
             bslot = i; bgen = Pg[i]; bfrom = me; bkind = ADOPT
          :: else
          fi }
     :: atomic { bslot != NONE && !btaken && bfrom != me -> btaken = 1; i = bslot; g = bgen; a = bfrom; x = bkind };
        if :: x == LOAN -> retainLent() :: else -> adopt() fi;
        atomic { bslot = NONE; btaken = 0 }   /* the ack: the lender may release again */
     :: T[0] != LIVE || T[1] != LIVE -> reclaim()
     fi
  :: else -> break
  od;
  if :: me == MAIN -> goto finish :: else fi;
dead:
  T[me] = DEAD;   /* native env cleanup, after JS has stopped */
  goto end;
finish:
  /* main outlives the workers: reclaim them, drop its own, check the pool */
  (T[0] != LIVE && T[1] != LIVE);
  do
  :: T[0] == DONE && T[1] == DONE -> break
  :: else -> reclaim()
  od;
  bslot = NONE;
  do
  :: O(me, 0) > 0 -> release(0)
  :: O(me, 1) > 0 -> release(1)
  :: O(me, 2) > 0 -> release(2)
  :: else -> break
  od;
  assert(H[0] == MAIN && H[1] == MAIN);
  drain(0); drain(1);
  assert(cache[0] == 3 && cache[1] == 4);   /* every slot free, once, where its heap leases */
  j = 0;
  do
  :: j < NS -> assert(!leased[j] && !Pf[j] && !Po[j] && Pm[j] == 0 && Cg[j] != Pg[j]);
               assert(O(0, j) == 0 && O(1, j) == 0 && O(2, j) == 0); j++
  :: else -> break
  od;
end:
  skip
}

init {
  byte t;
  atomic {
    for (t : 0 .. NS - 1) { Pg[t] = 1; Co[t] = NONE }
    H[0] = 0; H[1] = 1; cache[0] = 3; cache[1] = 4;
    run thread(0); run thread(1); run thread(MAIN)
  }
}
