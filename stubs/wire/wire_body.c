/*
 * wire_body.c - The bodies of presence and subscriptions: PIDF (RFC 3863) written and read, dialog-info
 * (RFC 4235) and message-summary (RFC 3842) read. XML is parsed with expat (namespace-aware, no DTD: a
 * document with one is refused), message-summary's lines with libre.
 */
#include "wire.h"

#include <expat.h>

#define NS_PIDF "urn:ietf:params:xml:ns:pidf"
#define NS_DATA_MODEL "urn:ietf:params:xml:ns:pidf:data-model"
#define NS_DIALOG_INFO "urn:ietf:params:xml:ns:dialog-info"
#define NS_SEPARATOR '|'

enum { MAX_TEXT = 4096 }; /* of a note or a state kept while parsing */

/* ======================================================================== writing PIDF */

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t utf8_sequence(const unsigned char* p, size_t n)
{
    size_t len = p[0] < 0x80 ? 1 : (p[0] & 0xE0) == 0xC0 ? 2 : (p[0] & 0xF0) == 0xE0 ? 3 : (p[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (!len || len > n || (len == 2 && p[0] < 0xC2))
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    unsigned cp = len == 1 ? p[0] : len == 2 ? (p[0] & 0x1Fu) : len == 3 ? (p[0] & 0x0Fu) : (p[0] & 0x07u);
    for (size_t i = 1; i < len; i++)
        cp = (cp << 6) | (p[i] & 0x3Fu);
    static const unsigned least[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < least[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0; /* overlong, beyond Unicode, or a surrogate */
    return len;
}

/* Text as XML character data: markup escaped; bytes that are not UTF-8, and characters XML 1.0 does not
 * allow (controls but tab and line breaks), become U+FFFD. */
static int print_xml_text(struct re_printf* pf, const char* text)
{
    const unsigned char* p = (const unsigned char*)text;
    size_t n = strlen(text);
    int err = 0;
    while (n && !err) {
        size_t len = utf8_sequence(p, n);
        if (len == 1 && (p[0] >= 0x20 || p[0] == '\t' || p[0] == '\n' || p[0] == '\r')) {
            switch (p[0]) {
            case '&': err = re_hprintf(pf, "&amp;"); break;
            case '<': err = re_hprintf(pf, "&lt;"); break;
            case '>': err = re_hprintf(pf, "&gt;"); break;
            case '"': err = re_hprintf(pf, "&quot;"); break;
            default: err = re_hprintf(pf, "%c", p[0]); break;
            }
        } else if (len > 1) {
            err = re_hprintf(pf, "%b", p, len);
        } else {
            err = re_hprintf(pf, "\xEF\xBF\xBD");
            len = 1;
        }
        p += len;
        n -= len;
    }
    return err;
}

int wire_pidf_write(struct mbuf** mbp, const char* entity, const char* text)
{
    /* Manual: the text "Offline" makes one appear offline; any other text is the note of an open tuple. */
    bool open = strcmp(text, "Offline") != 0;
    struct mbuf* mb = mbuf_alloc(512);
    if (!mb)
        return ENOMEM;
    int err = mbuf_printf(mb,
                          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
                          "<presence xmlns=\"" NS_PIDF "\" entity=\"%H\">\r\n"
                          "<tuple id=\"portsip\">\r\n"
                          "<status><basic>%s</basic></status>\r\n",
                          print_xml_text, entity, open ? "open" : "closed");
    if (open)
        err |= mbuf_printf(mb, "<note>%H</note>\r\n", print_xml_text, text);
    err |= mbuf_printf(mb, "</tuple>\r\n</presence>\r\n");
    if (err) {
        mem_deref(mb);
        return err;
    }
    mb->pos = 0;
    *mbp = mb;
    return 0;
}

/* ======================================================================== reading XML */

/* One element's text, kept while it is open (at most MAX_TEXT bytes). */
typedef struct text_buf {
    bool capturing;
    size_t n;
    char data[MAX_TEXT + 1];
} text_buf;

static void text_start(text_buf* t)
{
    t->capturing = true;
    t->n = 0;
    t->data[0] = '\0';
}

/* What every reader's state starts with. */
typedef struct xml_reader {
    XML_Parser parser;
    text_buf text;
} xml_reader;

static void XMLCALL on_text(void* user, const XML_Char* s, int len)
{
    text_buf* t = &((xml_reader*)user)->text;
    if (!t->capturing || len <= 0)
        return;
    size_t take = (size_t)len < MAX_TEXT - t->n ? (size_t)len : MAX_TEXT - t->n;
    memcpy(t->data + t->n, s, take);
    t->n += take;
    t->data[t->n] = '\0';
}

/* The text with the white space around it removed, as a new string. */
static char* text_trimmed(const text_buf* t)
{
    struct pl pl = {t->data, t->n};
    while (pl.l && strchr(" \t\r\n", pl.p[0]))
        pl.p++, pl.l--;
    while (pl.l && strchr(" \t\r\n", pl.p[pl.l - 1]))
        pl.l--;
    char* s = NULL;
    (void)pl_strdup(&s, &pl);
    return s;
}

static bool is_element(const XML_Char* name, const char* ns, const char* local)
{
    size_t n = strlen(ns);
    return !strncmp(name, ns, n) && name[n] == NS_SEPARATOR && !strcmp(name + n + 1, local);
}

/* The local part of a namespaced element name. */
static const char* local_name(const XML_Char* name)
{
    const char* sep = strrchr(name, NS_SEPARATOR);
    return sep ? sep + 1 : name;
}

static void XMLCALL refuse_doctype(void* user, const XML_Char* name, const XML_Char* sysid, const XML_Char* pubid, int internal)
{
    (void)name, (void)sysid, (void)pubid, (void)internal;
    XML_StopParser(((xml_reader*)user)->parser, XML_FALSE);
}

/* Parse body with handlers whose user data is `reader` (the start of the reader's state). */
static int xml_parse(const struct pl* body, xml_reader* reader, XML_StartElementHandler start, XML_EndElementHandler end)
{
    if (body->l > INT_MAX)
        return EOVERFLOW;
    XML_Parser parser = XML_ParserCreateNS(NULL, NS_SEPARATOR);
    if (!parser)
        return ENOMEM;
    reader->parser = parser;
    XML_SetUserData(parser, reader);
    XML_SetElementHandler(parser, start, end);
    XML_SetCharacterDataHandler(parser, on_text);
    XML_SetStartDoctypeDeclHandler(parser, refuse_doctype); /* nothing of ours has a DTD: no entities */
    int err = XML_Parse(parser, body->p, (int)body->l, XML_TRUE) == XML_STATUS_OK ? 0 : EBADMSG;
    XML_ParserFree(parser);
    return err;
}

/* ---- PIDF: online if any tuple's basic status is open (a presence server may merge several sources);
 * the note of the first open tuple, else the person's (data model), else the document's. */

typedef struct pidf_state {
    xml_reader xml;
    int depth_tuple, depth_person;
    bool tuple_open, online;
    char *tuple_note, *open_note, *person_note, *presence_note;
} pidf_state;

static void XMLCALL pidf_start(void* user, const XML_Char* name, const XML_Char** attrs)
{
    (void)attrs;
    pidf_state* s = user;
    if (is_element(name, NS_PIDF, "tuple")) {
        s->depth_tuple = 1;
        s->tuple_open = false;
        s->tuple_note = mem_deref(s->tuple_note);
    } else if (is_element(name, NS_DATA_MODEL, "person")) {
        s->depth_person = 1;
    } else if (is_element(name, NS_PIDF, "basic") || !strcmp(local_name(name), "note")) {
        text_start(&s->xml.text);
    }
}

static void keep_first(char** slot, char* value)
{
    if (!*slot && value && *value)
        *slot = value;
    else
        mem_deref(value);
}

static void XMLCALL pidf_end(void* user, const XML_Char* name)
{
    pidf_state* s = user;
    if (is_element(name, NS_PIDF, "basic")) {
        char* basic = text_trimmed(&s->xml.text);
        s->tuple_open = s->depth_tuple && basic && !strcmp(basic, "open");
        mem_deref(basic);
    } else if (!strcmp(local_name(name), "note")) {
        char* note = text_trimmed(&s->xml.text);
        keep_first(s->depth_tuple ? &s->tuple_note : s->depth_person ? &s->person_note : &s->presence_note, note);
    } else if (is_element(name, NS_PIDF, "tuple")) {
        if (s->tuple_open) {
            s->online = true;
            keep_first(&s->open_note, s->tuple_note);
            s->tuple_note = NULL;
        }
        s->depth_tuple = 0;
    } else if (is_element(name, NS_DATA_MODEL, "person")) {
        s->depth_person = 0;
    }
    s->xml.text.capturing = false;
}

int wire_pidf_read(const struct pl* body, bool* online, char** note)
{
    pidf_state* s = calloc(1, sizeof *s);
    if (!s)
        return ENOMEM;
    int err = xml_parse(body, &s->xml, pidf_start, pidf_end);
    if (!err) {
        *online = s->online;
        const char* chosen = s->open_note ? s->open_note : s->person_note ? s->person_note : s->presence_note;
        err = str_dup(note, chosen ? chosen : "");
    }
    mem_deref(s->tuple_note);
    mem_deref(s->open_note);
    mem_deref(s->person_note);
    mem_deref(s->presence_note);
    free(s);
    return err;
}

/* ---- dialog-info: the entity, and the first dialog's id, direction and state */

typedef struct dialog_state {
    xml_reader xml;
    wire_dialog_info* info;
    int dialogs;
} dialog_state;

static const XML_Char* attribute(const XML_Char** attrs, const char* name)
{
    for (size_t i = 0; attrs[i]; i += 2)
        if (!strcmp(attrs[i], name))
            return attrs[i + 1];
    return NULL;
}

static void XMLCALL dialog_start(void* user, const XML_Char* name, const XML_Char** attrs)
{
    dialog_state* s = user;
    if (is_element(name, NS_DIALOG_INFO, "dialog-info")) {
        const char* entity = attribute(attrs, "entity");
        if (entity && !s->info->entity)
            (void)str_dup(&s->info->entity, entity);
    } else if (is_element(name, NS_DIALOG_INFO, "dialog") && ++s->dialogs == 1) {
        const char* id = attribute(attrs, "id");
        const char* direction = attribute(attrs, "direction");
        (void)str_dup(&s->info->id, id ? id : "");
        (void)str_dup(&s->info->direction, direction ? direction : "");
    } else if (is_element(name, NS_DIALOG_INFO, "state") && s->dialogs == 1 && !s->info->state) {
        text_start(&s->xml.text);
    }
}

static void XMLCALL dialog_end(void* user, const XML_Char* name)
{
    dialog_state* s = user;
    if (s->xml.text.capturing && is_element(name, NS_DIALOG_INFO, "state"))
        s->info->state = text_trimmed(&s->xml.text);
    s->xml.text.capturing = false;
}

int wire_dialog_info_read(const struct pl* body, wire_dialog_info* info)
{
    memset(info, 0, sizeof *info);
    dialog_state* s = calloc(1, sizeof *s);
    if (!s)
        return ENOMEM;
    s->info = info;
    int err = xml_parse(body, &s->xml, dialog_start, dialog_end);
    if (!err && !info->entity)
        err = EBADMSG; /* not a dialog-info document */
    if (!err && !info->state)
        err = str_dup(&info->state, "terminated"); /* no dialog: the monitored line is idle */
    free(s);
    if (err)
        wire_dialog_info_free(info);
    return err;
}

void wire_dialog_info_free(wire_dialog_info* info)
{
    info->entity = mem_deref(info->entity);
    info->id = mem_deref(info->id);
    info->direction = mem_deref(info->direction);
    info->state = mem_deref(info->state);
}

/* ======================================================================== message-summary (RFC 3842) */

/* "new/old (urgent new/urgent old)", the part in parentheses optional. */
static void read_counts(const struct pl* value, int counts[4])
{
    struct pl fresh, old, urgent_fresh = PL_INIT, urgent_old = PL_INIT;
    if (re_regex(value->p, value->l, "[0-9]+/[0-9]+[^(]*[(]*[0-9]*[/]*[0-9]*", &fresh, &old, NULL, NULL, &urgent_fresh, NULL,
                 &urgent_old))
        return;
    counts[0] = (int)pl_u32(&urgent_fresh);
    counts[1] = (int)pl_u32(&urgent_old);
    counts[2] = (int)pl_u32(&fresh);
    counts[3] = (int)pl_u32(&old);
}

int wire_summary_read(const struct pl* body, wire_summary* summary)
{
    memset(summary, 0, sizeof *summary);
    struct pl rest = *body;
    bool waiting = false;
    while (rest.l) {
        struct pl line = rest;
        const char* nl = pl_strchr(&rest, '\n');
        line.l = nl ? (size_t)(nl - rest.p) : rest.l;
        rest.p += nl ? line.l + 1 : line.l;
        rest.l -= nl ? line.l + 1 : line.l;
        struct pl name, value;
        if (re_regex(line.p, line.l, "[^:]+:[ \t]*[^\r]*", &name, NULL, &value))
            continue;
        if (!pl_strcasecmp(&name, "Messages-Waiting")) {
            waiting = true;
        } else if (!pl_strcasecmp(&name, "Message-Account") && !summary->account) {
            (void)pl_strdup(&summary->account, &value);
        } else if (!pl_strcasecmp(&name, "Voice-Message")) {
            summary->has_voice = true;
            read_counts(&value, summary->voice);
        } else if (!pl_strcasecmp(&name, "Fax-Message")) {
            summary->has_fax = true;
            read_counts(&value, summary->fax);
        }
    }
    if (!waiting) { /* RFC 3842: Messages-Waiting is the one mandatory line */
        summary->account = mem_deref(summary->account);
        return EBADMSG;
    }
    if (!summary->has_voice && !summary->has_fax) /* "Messages-Waiting: no" alone: no voice messages */
        summary->has_voice = true;
    return 0;
}
