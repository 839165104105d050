/*
 * wire.h - the wire build of the stub: the net_* functions of stub_internal.h over real SIP, with libre
 * (baresip's SIP library, BSD-3-Clause; Debian libre-dev, found with pkg-config) and expat for XML bodies.
 *
 * The stub's API files keep doing what they do (checks, ids, subscriptions, the journal, events fired by
 * each instance's worker); only how an instance reaches others changes: every instance gets a libre SIP
 * stack (a UA) bound to a real UDP or TCP socket, and its requests go out as SIP.
 *   wire_loop.c      the SIP thread, the queue of operations that reaches it, a UA's life
 *                    (net_open/net_close), incoming requests, the signaling callbacks
 *   wire_request.c   an out-of-dialog request with digest authentication (REGISTER, MESSAGE, PUBLISH)
 *   wire_register.c  REGISTER: refresh, retries, unregister
 *   wire_message.c   MESSAGE out and in (415 for types the instance does not accept)
 *   wire_presence.c  presence (SUBSCRIBE/NOTIFY both ways, PUBLISH) and generic subscriptions (MWI, BLF)
 *   wire_call.c      calls (INVITE, BYE, CANCEL, hold, INFO, MESSAGE in a call: libre's sipsess), no media
 *   wire_body.c      the bodies: PIDF written and read, dialog-info and message-summary read (expat, libre)
 *
 * Threads. libre is single-threaded: ONE thread (the SIP thread, started by the first wire initialize)
 * runs re_main and is the only one that touches libre objects. An API call (any thread, g_mu held) does
 * its bookkeeping and queues an operation (wire_op: a function and copies of its arguments) on a list
 * guarded by wire_mu, waking the SIP thread through a libre mqueue when the list was empty; the SIP thread
 * runs the operations in order. (libre 1.1.0's re_thread_enter would not wake an epoll_wait sleeping on an
 * older timer: the mqueue's pipe does.) What the network answers, the SIP thread turns into events under
 * g_mu: it finds the instance by serial (gone: the answer is dropped), updates its state, and FIREs (the
 * instance's worker calls the application, as in process). Lock order: g_mu, then wire_mu; the SIP thread
 * takes them one at a time. Only net_open and net_close wait for the SIP thread, and never under g_mu.
 *
 * fork: the SIP thread does not survive it; in a child, wire instances cannot be initialized
 * (ECoreInitializeStackFailure) and those of the parent are gone (stub_runtime.c empties the registry).
 */
#ifndef WIRE_H
#define WIRE_H

#include "stub_internal.h"

/* What Debian's libre was built with: the headers need them to agree with the library. */
#define HAVE_INTTYPES_H 1
#define HAVE_STDBOOL_H 1
#define HAVE_INET6 1
#define RELEASE 1
#include <re.h>

#if defined(__GNUC__) && !defined(_WIN32)
#pragma GCC visibility push(hidden)
#endif

enum {
    WIRE_MAX_BODY = 65536,          /* stub's choice: larger MESSAGE bodies are refused (ECoreDataSizeTooLarge) */
    WIRE_CLOSE_GRACE_MS = 1500,     /* unInitialize waits this long for unREGISTER, unPUBLISH, unSUBSCRIBE */
    WIRE_DEFAULT_EXPIRES = 3600,    /* a subscription or publication with no default time set */
    WIRE_RETRY_MS = 1000,           /* between registerServer's retries */
    WIRE_WATCH_GRACE_MS = 4000,     /* a watched contact that neither NOTIFYs nor refreshes within its
                                       subscription's expiry and this much is gone: offline */
};

/* ------------------------------------------------------------------------ operations (wire_loop.c) */

typedef struct wire_op wire_op;
typedef void (*wire_op_fn)(wire_op* op); /* runs on the SIP thread and frees op */
struct wire_op {
    wire_op* next;
    wire_op_fn run;
    unsigned long long serial; /* the instance it is for */
};

/* Allocate an operation of `size` bytes (a struct that starts with a wire_op) for instance `in`. */
void* wire_op_new(const instance* in, size_t size, wire_op_fn run);
/* Queue it for the SIP thread (an op that could not be allocated is dropped like a lost packet). */
void wire_op_push(void* op);
/* A copy of s for an operation, or NULL (op_str) / a copy of n bytes (op_bytes, NUL-terminated). */
char* op_str(const char* s);

/* ------------------------------------------------------------------------ a UA: one instance's SIP stack */

typedef struct wire_registration {
    struct tmr tmr;               /* refresh or retry */
    char* callid;                 /* one Call-ID for the registration's life (RFC 3261 10.2) */
    char* from_tag;
    uint32_t cseq;
    uint32_t expires;             /* asked for */
    int retries_left;
    struct wire_req* req;         /* the REGISTER in flight */
    bool registered;              /* the registrar holds our contact */
    bool wanted;                  /* registerServer until unregister */
} wire_registration;

typedef struct wire_publication {
    struct tmr tmr;               /* refresh */
    char* etag;                   /* the presence server's SIP-ETag of our state */
    char* text;                   /* what was published (re-published after 412) */
    struct wire_req* req;
    uint32_t expires;
} wire_publication;

typedef struct wire_ua {
    struct le le;                 /* in the list of UAs */
    unsigned long long serial;
    struct sip* sip;
    struct sip_lsnr* lsnr;
    struct sipevent_sock* evsock;
    enum sip_transp tp;
    struct sa laddr;              /* the bound socket */
    char* agent;                  /* User-Agent */

    /* the account (setUser) */
    char *user, *display, *domain, *auth_name, *password;
    char* aor;                    /* sip:user@domain, or sip:user@<our address> without a domain */
    char* registrar;              /* sip:<server>[:port] (the REGISTER's request URI) or NULL */
    char* route;                  /* the next hop of every request: the outbound proxy, else the server */
    struct sip_auth* auth;        /* the registrar's challenges (401) */
    struct sip_auth* proxy_auth;  /* the other requests' (407): a realm's state per kind of challenge */

    wire_registration reg;
    wire_publication pub;
    struct list watches;          /* wire_watch: our SUBSCRIBEs, presence and generic */
    struct list watchers;         /* wire_watcher: SUBSCRIBEs to us */
    struct list requests;         /* wire_req in flight */
    struct sipsess_sock* sess_sock; /* calls: new INVITEs and the requests of their dialogs */
    struct list calls;            /* wire_call */

    bool closing;
    bool released;                /* sip_close done: ua->sip stays valid until stack_gone */
    struct tmr close_tmr;
    struct wire_wait* closed;     /* unInitialize waiting for the UA to be down */
} wire_ua;

wire_ua* wire_ua_find(unsigned long long serial); /* on the SIP thread: the UA of an instance, or NULL */
/* On the SIP thread: the live instance `serial` with g_mu taken, or NULL (g_mu not taken). */
instance* wire_lock(unsigned long long serial);
/* The account's credentials for digest authentication (a sip_auth_h; arg is the UA). */
int wire_credentials(char** user, char** password, const char* realm, void* arg);
/* The transport parameter of our URIs (";transport=tcp" or ""). */
const char* wire_tp_param(const wire_ua* ua);

/* ------------------------------------------------------------------------ requests (wire_request.c) */

/* The outcome of a request: err (a transport error or ETIMEDOUT; msg NULL), or the final response. */
typedef void(wire_reply_h)(int err, const struct sip_msg* msg, void* arg);

typedef struct wire_send {
    const char* method;
    const char* uri;              /* the request URI */
    const char* to;               /* the To URI */
    const char* to_params;        /* after the To URI's '>' (e.g. ";messagetype=SMS"), or NULL */
    const char* callid;           /* NULL: a new one */
    const char* from_tag;         /* NULL: a new one */
    uint32_t* cseq;               /* NULL: a new sequence; else incremented for each request sent */
    const char* headers;          /* more header lines, each ending CRLF, or NULL */
    const char* content_type;     /* with a body */
    const unsigned char* body;
    size_t body_length;
    bool contact;                 /* add our Contact */
    bool goodbye;                 /* an unREGISTER or unPUBLISH: a closing UA waits for its answer */
} wire_send;

typedef struct wire_req wire_req;
/* Send a request from ua; replyh gets its outcome once (after a 401/407, it is sent again with our
 * credentials). Returns 0 (and *reqp, cleared when the request ends) or an errno. */
int wire_request(wire_ua* ua, const wire_send* s, wire_reply_h* replyh, void* arg, wire_req** reqp);
void wire_request_cancel(wire_req** reqp); /* no reply follows */
bool wire_request_goodbye(const wire_req* r); /* r is in flight, and a goodbye */
/* Cancel every request of ua in flight but its goodbyes (whose answers closing waits for). */
void wire_requests_cancel(wire_ua* ua);
/* A final status for an outcome: the response's, 408 Request Timeout for ETIMEDOUT, 503 for other errors. */
int wire_status(int err, const struct sip_msg* msg, char* reason, size_t size);
/* A whole message as text (for sipMessage arguments and the signaling callbacks): free() it. */
char* wire_msg_text(const struct sip_msg* msg);
/* The body of a received message (RFC 3261 18.3: a Content-Length beyond the datagram is EBADMSG, a shorter
 * one cuts the body). */
int wire_body(const struct sip_msg* msg, struct pl* body);
/* A display name without its quotes, as a new string: free() it. */
char* wire_display(const struct pl* dname);

/* ------------------------------------------------------------------------ the parts */

void wire_register_close(wire_ua* ua);      /* wire_register.c: unregister, stop */
bool wire_message_request(wire_ua* ua, const struct sip_msg* msg); /* wire_message.c: MESSAGE in; true if handled */
bool wire_presence_request(wire_ua* ua, const struct sip_msg* msg); /* wire_presence.c: NOTIFY outside a dialog */
bool wire_presence_subscribe(const struct sip_msg* msg, void* arg); /* a new SUBSCRIBE to us */
void wire_presence_close(wire_ua* ua);      /* unPUBLISH, unSUBSCRIBE, end the watchers */
typedef struct wire_call wire_call;
void wire_call_incoming(const struct sip_msg* msg, void* arg); /* wire_call.c: a new INVITE (arg: the UA) */
bool wire_call_message(wire_ua* ua, const struct sip_msg* msg); /* a MESSAGE in a dialog */
void wire_call_close(wire_ua* ua);          /* hang up every call */

/* ------------------------------------------------------------------------ bodies (wire_body.c) */

/* A PIDF document for entity saying `text` (open, with text as the note; "Offline": closed). */
int wire_pidf_write(struct mbuf** mbp, const char* entity, const char* text);
/* Read a PIDF document: *online if any tuple is open; *note the note that goes with it (a new string). */
int wire_pidf_read(const struct pl* body, bool* online, char** note);
/* Read a dialog-info (RFC 4235) document: the monitored entity and its first dialog's id, direction
 * and state ("terminated" when it has none). Strings are new (mem_deref them). */
typedef struct wire_dialog_info {
    char *entity, *id, *direction, *state;
} wire_dialog_info;
int wire_dialog_info_read(const struct pl* body, wire_dialog_info* info);
void wire_dialog_info_free(wire_dialog_info* info);
/* Read a message-summary (RFC 3842) body: the account, and the voice and fax counts (new/old, urgent). */
typedef struct wire_summary {
    char* account;
    int voice[4], fax[4]; /* urgent new, urgent old, new, old */
    bool has_voice, has_fax;
} wire_summary;
int wire_summary_read(const struct pl* body, wire_summary* summary);

#if defined(__GNUC__) && !defined(_WIN32)
#pragma GCC visibility pop
#endif

#endif /* WIRE_H */
