/*
 * The advert keeper: a MASTER's adverts go on time while the JavaScript event loop is held up.
 *
 * JavaScript stays the scheduler: at each advert its timer calls keeperTick(), which sends the
 * slot's frames at once. A thread of this addon watches every slot; when JavaScript has not sent
 * one advert_int + slack after the last send (a garbage collection, a reload building its model,
 * a burst of work on the loop), the thread sends the same frames itself, and goes on doing so
 * while JavaScript stays silent for at most cover_us (two intervals and the slack, at least
 * cover_min_us). The JavaScript tick that arrives late finds
 * the advert already out (sent less than half an interval ago) and sends nothing, so a peer sees
 * one advert per interval either way. A daemon whose loop is stuck for longer than cover_us stops
 * advertising, so that its peer takes over as it would from a hung keepalived.
 *
 * The slots' state is under one mutex: the IPv4 identification field (per slot, as keepalived's
 * per-instance ip_id, never 0) and the times stay consistent; the main thread sends its own
 * adverts after releasing it. Frames
 * are copied in; nothing the thread reads belongs to JavaScript. The caller closes a slot before
 * it closes the slot's socket.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <node_api.h>
#include <uv.h>

#include "advert_keeper.h"
#include "napi_args.h"

#define MAX_FRAMES 64
#define MAX_FRAME_BYTES 65535
#define MAX_SLOTS 65536

struct frame {
  uint8_t *data;
  size_t len;
  struct sockaddr_storage addr;
  socklen_t addrlen;
  int flags;
};

struct slot {
  int used;
  int active; /* JavaScript ticks it (MASTER); paused slots are never sent by the thread */
  int fd;
  int ip_id_offset; /* where the 16-bit IPv4 identification sits in each frame; -1: none */
  uint16_t ip_id;
  int64_t interval_us, slack_us, cover_us, cover_min_us;
  int64_t last_send_us;  /* the last advert out, from either thread */
  int64_t last_tick_us;  /* the last keeperTick() */
  int64_t last_cover_us; /* the last advert the thread sent */
  int64_t last_out_us;   /* when the last advert went out (the thread's sends are on the rhythm in last_send_us) */
  int64_t max_gap_us;    /* the longest time between two adverts out since keeperTakeMaxGap() */
  double covered;        /* adverts the thread sent */
  double cover_errors;   /* sends of the thread that failed */
  struct frame frames[MAX_FRAMES];
  int nframes;
  int frames_new; /* set by keeperFrames(): the next tick sends even if the thread has just sent the old ones */
};

/*
 * libuv's threads, mutex and condition variable (Node.js exports them): the addon then needs no
 * glibc symbol newer than Node.js itself does (pthread_create & co. got new versions in 2.34).
 * libuv's condition variable waits on CLOCK_MONOTONIC. Initialised once, whichever thread loads
 * the addon first.
 */
static uv_mutex_t mu;
static uv_cond_t wake;
static uv_once_t init_once = UV_ONCE_INIT;
static uv_thread_t thread;
static int thread_started;
static int realtime; /* the thread runs SCHED_FIFO */
static struct slot *slots;
static int nslots;

static int64_t mono_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void free_frames(struct slot *s) {
  for (int i = 0; i < s->nframes; i++) free(s->frames[i].data);
  s->nframes = 0;
}

/* Write the next IPv4 identification into each frame of the slot (mutex held). */
static void stamp_ids(struct slot *s) {
  if (s->ip_id_offset < 0) return;
  for (int i = 0; i < s->nframes; i++) {
    struct frame *f = &s->frames[i];
    if ((size_t)s->ip_id_offset + 2 > f->len) continue;
    if (++s->ip_id == 0) s->ip_id = 1;
    f->data[s->ip_id_offset] = (uint8_t)(s->ip_id >> 8);
    f->data[s->ip_id_offset + 1] = (uint8_t)(s->ip_id & 0xff);
  }
}

/* Send frames on fd; the number sent, or -errno of the first failure. */
static int send_frames(int fd, const struct frame *frames, int nframes) {
  int sent = 0, err = 0;
  for (int i = 0; i < nframes; i++) {
    const struct frame *f = &frames[i];
    ssize_t n;
    do n = sendto(fd, f->data, f->len, f->flags | MSG_DONTWAIT, f->addrlen ? (const struct sockaddr *)&f->addr : NULL, f->addrlen);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
      if (!err) err = errno;
    } else
      sent++;
  }
  return err ? -err : sent;
}

/* An advert went out at `now`: the gap since the one before, while the slot is active. */
static void note_send(struct slot *s, int64_t now) {
  if (s->active && s->last_out_us != 0 && now - s->last_out_us > s->max_gap_us) s->max_gap_us = now - s->last_out_us;
  s->last_out_us = now;
}

/* When the thread would send the slot next; INT64_MAX when it would not. */
static int64_t cover_due(const struct slot *s) {
  if (!s->used || !s->active || s->nframes == 0 || s->interval_us <= 0) return INT64_MAX;
  int64_t due = s->last_send_us + s->interval_us + s->slack_us;
  return due - s->last_tick_us > s->cover_us ? INT64_MAX : due;
}

static void keeper_main(void *arg) {
  (void)arg;
  /*
   * The thread runs when the other threads of the process are busy (a reload reading its file in
   * a worker while the main thread builds the model, the garbage collector's helpers): under the
   * default scheduler it would wait its turn for several ms. As root it takes the lowest
   * real-time priority, which it holds for the few microseconds of a send; without the
   * privilege it runs as an ordinary thread (keeperStats() tells).
   */
  struct sched_param param = {.sched_priority = 1};
  int rt = sched_setscheduler(0, SCHED_FIFO, &param) == 0;
  uv_mutex_lock(&mu);
  realtime = rt;
  for (;;) {
    int64_t now = mono_us();
    int64_t next = INT64_MAX;
    for (int i = 0; i < nslots; i++) {
      struct slot *s = &slots[i];
      int64_t due = cover_due(s);
      if (due == INT64_MAX) continue;
      if (due <= now) {
        stamp_ids(s);
        if (send_frames(s->fd, s->frames, s->nframes) < 0) s->cover_errors++;
        note_send(s, now);
        s->covered++;
        s->last_cover_us = now;
        /* on the interval's rhythm: the slack is paid once, not at every covered advert */
        s->last_send_us = due - s->slack_us;
        due = cover_due(s);
        if (due == INT64_MAX) continue;
      }
      if (due < next) next = due;
    }
    if (next == INT64_MAX)
      uv_cond_wait(&wake, &mu);
    else
      uv_cond_timedwait(&wake, &mu, (uint64_t)(next - now) * 1000);
  }
}

static void init_sync(void) {
  if (uv_mutex_init(&mu) != 0 || uv_cond_init(&wake) != 0) abort();
}

static int start_thread(void) {
  if (thread_started) return 0;
  uv_thread_options_t options = {.flags = UV_THREAD_HAS_STACK_SIZE, .stack_size = 64 * 1024};
  int rc = uv_thread_create_ex(&thread, &options, keeper_main, NULL);
  if (rc != 0) return rc;
  thread_started = 1;
  return 0;
}

static napi_value throw_range(napi_env env, const char *msg) {
  napi_throw_range_error(env, NULL, msg);
  return NULL;
}

static int get_i64(napi_env env, napi_value v, int64_t *out) {
  return napi_get_value_int64(env, v, out) == napi_ok;
}

/* The slot of a JavaScript slot number, or NULL (a RangeError is thrown). Mutex held. */
static struct slot *slot_of(napi_env env, napi_value v) {
  int64_t id;
  if (!get_i64(env, v, &id) || id < 0 || id >= nslots || !slots[id].used) {
    throw_range(env, "no such advert keeper slot");
    return NULL;
  }
  return &slots[id];
}

static napi_value int_result(napi_env env, int64_t v) {
  napi_value r;
  napi_create_int64(env, v, &r);
  return r;
}

/* keeperOpen(fd, ipIdOffset, slackUs, coverMinUs) -> slot */
static napi_value js_open(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int64_t fd, ip_id_offset, slack_us, cover_us;
  if (!addon_get_args(env, info, 4, argv)) return NULL;
  if (!get_i64(env, argv[0], &fd) || !get_i64(env, argv[1], &ip_id_offset) || !get_i64(env, argv[2], &slack_us) || !get_i64(env, argv[3], &cover_us))
    return throw_range(env, "keeperOpen(fd, ipIdOffset, slackUs, coverMinUs)");
  if (fd < 0 || fd > INT32_MAX || ip_id_offset < -1 || ip_id_offset > MAX_FRAME_BYTES - 2 || slack_us < 0 || slack_us > 10000000 || cover_us < 0 ||
      cover_us > 600000000)
    return throw_range(env, "keeperOpen: argument out of range");
  uv_mutex_lock(&mu);
  int rc = start_thread();
  if (rc != 0) {
    uv_mutex_unlock(&mu);
    napi_throw_error(env, NULL, "advert keeper: cannot start its thread");
    return NULL;
  }
  int id = -1;
  for (int i = 0; i < nslots; i++)
    if (!slots[i].used) {
      id = i;
      break;
    }
  if (id < 0) {
    if (nslots >= MAX_SLOTS) {
      uv_mutex_unlock(&mu);
      return throw_range(env, "advert keeper: too many slots");
    }
    int grown = nslots ? nslots * 2 : 16;
    if (grown > MAX_SLOTS) grown = MAX_SLOTS;
    struct slot *more = realloc(slots, (size_t)grown * sizeof *slots);
    if (!more) {
      uv_mutex_unlock(&mu);
      napi_throw_error(env, NULL, "advert keeper: out of memory");
      return NULL;
    }
    memset(more + nslots, 0, (size_t)(grown - nslots) * sizeof *slots);
    slots = more;
    id = nslots;
    nslots = grown;
  }
  struct slot *s = &slots[id];
  memset(s, 0, sizeof *s);
  s->used = 1;
  s->fd = (int)fd;
  s->ip_id_offset = (int)ip_id_offset;
  s->slack_us = slack_us;
  s->cover_min_us = cover_us;
  uv_mutex_unlock(&mu);
  return int_result(env, id);
}

/* keeperFrames(slot, frames: Uint8Array[], sockaddrs: (Uint8Array | null)[], flags: number[]) */
static napi_value js_frames(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!addon_get_args(env, info, 4, argv)) return NULL;
  uint32_t n = 0, na = 0, nf = 0;
  if (napi_get_array_length(env, argv[1], &n) != napi_ok || napi_get_array_length(env, argv[2], &na) != napi_ok ||
      napi_get_array_length(env, argv[3], &nf) != napi_ok || na != n || nf != n)
    return throw_range(env, "keeperFrames(slot, frames[], sockaddrs[], flags[]): arrays of one length");
  if (n > MAX_FRAMES) return throw_range(env, "keeperFrames: too many frames");
  struct frame fresh[MAX_FRAMES];
  memset(fresh, 0, sizeof fresh);
  for (uint32_t i = 0; i < n; i++) {
    napi_value fv, av, flv;
    void *data, *addr;
    size_t len, addrlen;
    int32_t flags;
    if (napi_get_element(env, argv[1], i, &fv) != napi_ok || napi_get_element(env, argv[2], i, &av) != napi_ok ||
        napi_get_element(env, argv[3], i, &flv) != napi_ok || !addon_arg_bytes(env, fv, &data, &len) || !data ||
        napi_get_value_int32(env, flv, &flags) != napi_ok || !addon_arg_bytes(env, av, &addr, &addrlen)) {
      for (uint32_t j = 0; j < i; j++) free(fresh[j].data);
      return throw_range(env, "keeperFrames: a frame is not a Uint8Array, an address not a Uint8Array or null, a flag not an int");
    }
    if (len == 0 || len > MAX_FRAME_BYTES || addrlen > sizeof(struct sockaddr_storage)) {
      for (uint32_t j = 0; j < i; j++) free(fresh[j].data);
      return throw_range(env, "keeperFrames: frame or address size out of range");
    }
    fresh[i].data = malloc(len);
    if (!fresh[i].data) {
      for (uint32_t j = 0; j < i; j++) free(fresh[j].data);
      napi_throw_error(env, NULL, "advert keeper: out of memory");
      return NULL;
    }
    memcpy(fresh[i].data, data, len);
    fresh[i].len = len;
    if (addrlen) memcpy(&fresh[i].addr, addr, addrlen);
    fresh[i].addrlen = (socklen_t)addrlen;
    fresh[i].flags = flags;
  }
  uv_mutex_lock(&mu);
  struct slot *s = slot_of(env, argv[0]);
  if (!s) {
    uv_mutex_unlock(&mu);
    for (uint32_t j = 0; j < n; j++) free(fresh[j].data);
    return NULL;
  }
  free_frames(s);
  memcpy(s->frames, fresh, sizeof fresh);
  s->nframes = (int)n;
  s->frames_new = 1;
  uv_mutex_unlock(&mu);
  return NULL;
}

/*
 * keeperTick(slot, intervalUs) -> frames sent now (> 0), 0 when the thread sent this advert
 * already (less than half an interval ago), or -errno of the first send that failed.
 */
static napi_value js_tick(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int64_t interval_us;
  if (!addon_get_args(env, info, 2, argv)) return NULL;
  if (!get_i64(env, argv[1], &interval_us) || interval_us <= 0 || interval_us > 600000000) return throw_range(env, "keeperTick(slot, intervalUs)");
  uv_mutex_lock(&mu);
  struct slot *s = slot_of(env, argv[0]);
  if (!s) {
    uv_mutex_unlock(&mu);
    return NULL;
  }
  int64_t now = mono_us();
  /* a new priority or address list goes out now, even right after the thread sent the old advert */
  int send = s->frames_new || !(s->active && s->last_cover_us != 0 && now - s->last_cover_us < interval_us / 2);
  int fd = s->fd, nframes = 0;
  /*
   * The frames are sent after the mutex is released: were this thread preempted in sendto() while
   * holding it, the real-time thread would wait behind it. Only this (the main) thread changes or
   * frees a slot's frames, and the other thread stays off this slot until an interval from now.
   */
  struct frame out[MAX_FRAMES];
  if (send) {
    s->frames_new = 0;
    stamp_ids(s);
    nframes = s->nframes;
    memcpy(out, s->frames, (size_t)nframes * sizeof out[0]);
    note_send(s, now);
    s->last_send_us = now;
  }
  s->interval_us = interval_us;
  s->cover_us = 2 * interval_us + s->slack_us;
  if (s->cover_us < s->cover_min_us) s->cover_us = s->cover_min_us;
  s->last_tick_us = now;
  s->active = 1;
  uv_cond_signal(&wake);
  uv_mutex_unlock(&mu);
  return int_result(env, send ? send_frames(fd, out, nframes) : 0);
}

/* Run `fn` on the slot named by the first argument, under the mutex. */
static napi_value on_slot(napi_env env, napi_callback_info info, void (*fn)(struct slot *)) {
  napi_value argv[1];
  if (!addon_get_args(env, info, 1, argv)) return NULL;
  uv_mutex_lock(&mu);
  struct slot *s = slot_of(env, argv[0]);
  if (s) fn(s);
  uv_mutex_unlock(&mu);
  return NULL;
}

static void pause_slot(struct slot *s) {
  s->active = 0;
  s->last_cover_us = 0;
  s->last_out_us = 0;
}

static void close_slot(struct slot *s) {
  free_frames(s);
  memset(s, 0, sizeof *s);
}

/* keeperPause(slot): the thread sends nothing more until the next keeperTick(). */
static napi_value js_pause(napi_env env, napi_callback_info info) {
  return on_slot(env, info, pause_slot);
}

/* keeperClose(slot): before the slot's socket is closed. */
static napi_value js_close_slot(napi_env env, napi_callback_info info) {
  return on_slot(env, info, close_slot);
}

/* keeperStats(slot) -> [adverts the thread sent, of which failed, 1 if the thread runs real-time] */
static napi_value js_stats(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!addon_get_args(env, info, 1, argv)) return NULL;
  uv_mutex_lock(&mu);
  struct slot *s = slot_of(env, argv[0]);
  double covered = s ? s->covered : 0, errors = s ? s->cover_errors : 0;
  int rt = realtime;
  uv_mutex_unlock(&mu);
  if (!s) return NULL;
  napi_value arr, a, b, r;
  napi_create_array_with_length(env, 3, &arr);
  napi_create_double(env, covered, &a);
  napi_create_double(env, errors, &b);
  napi_create_int32(env, rt, &r);
  napi_set_element(env, arr, 0, a);
  napi_set_element(env, arr, 1, b);
  napi_set_element(env, arr, 2, r);
  return arr;
}

/* keeperTakeMaxGap(slot) -> the longest gap between two adverts out (µs) since the last call */
static napi_value js_take_max_gap(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!addon_get_args(env, info, 1, argv)) return NULL;
  uv_mutex_lock(&mu);
  struct slot *s = slot_of(env, argv[0]);
  int64_t gap = s ? s->max_gap_us : 0;
  if (s) s->max_gap_us = 0;
  uv_mutex_unlock(&mu);
  return s ? int_result(env, gap) : NULL;
}

void advert_keeper_register(napi_env env, napi_value exports) {
  uv_once(&init_once, init_sync);
  napi_property_descriptor fns[] = {
      {"keeperOpen", NULL, js_open, NULL, NULL, NULL, napi_default, NULL},
      {"keeperFrames", NULL, js_frames, NULL, NULL, NULL, napi_default, NULL},
      {"keeperTick", NULL, js_tick, NULL, NULL, NULL, napi_default, NULL},
      {"keeperPause", NULL, js_pause, NULL, NULL, NULL, napi_default, NULL},
      {"keeperClose", NULL, js_close_slot, NULL, NULL, NULL, napi_default, NULL},
      {"keeperStats", NULL, js_stats, NULL, NULL, NULL, napi_default, NULL},
      {"keeperTakeMaxGap", NULL, js_take_max_gap, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns);
}
