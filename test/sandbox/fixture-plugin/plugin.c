/*
 * kasm-tui test sandbox fixture plugin.
 *
 * The kasm-tui test sandbox installs this as a throwaway Docker managed
 * plugin so that the TUI can be exercised against a real daemon (install,
 * enable, disable, upgrade, remove, create volumes/networks) without
 * pulling a real driver. It is a combined VolumeDriver + NetworkDriver +
 * IpamDriver that keeps all state in memory (small, fixed-size tables) and
 * answers the Docker plugin protocol (HTTP/1.1 + JSON over a unix socket).
 * As an IPAM driver it hands out 198.19.N.0/24 pools (or echoes the pool
 * asked for), .1 as the gateway and the next free address otherwise.
 * It is built with
 *
 *     gcc -static -O2 -Wall -Wextra -o plugin plugin.c
 *
 * so the plugin rootfs is just this one binary (/plugin) plus a /VERSION
 * text file, whose contents are reported by the /Kasm.Version endpoint so
 * tests can tell fixture versions apart after an upgrade. A build whose
 * /VERSION starts with "hostile" also lists a volume whose name carries
 * terminal escape sequences and control characters (an OSC title, a clear
 * screen, colours, a C1 CSI, CR LF, BEL), for tests of what the daemon
 * passes on from a plugin. A build whose /VERSION starts with "broken" is a
 * sick release: it starts and answers its activation, but refuses to create
 * volumes, which is what a rollout's health gate must catch.
 *
 * At start it prints its version, every KASM_* variable and its arguments to
 * stdout (dockerd logs those at info level, tagged plugin=<id>), so tests can
 * read a plugin's settings back from the daemon's log.
 *
 * Environment:
 *   PLUGIN_SOCKET        socket path (default /run/docker/plugins/kasm.sock)
 *   PLUGIN_VERSION_FILE  version file (default /VERSION; testing aid)
 *   PLUGIN_DATA_ROOT     mountpoint root (default /data; testing aid)
 *
 * Deliberately avoids getaddrinfo and other NSS functions so static linking
 * against glibc is warning-free.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#define DEFAULT_SOCKET "/run/docker/plugins/kasm.sock"
#define DEFAULT_VERSION_FILE "/VERSION"
#define DEFAULT_DATA_ROOT "/data"
#define CONTENT_TYPE "application/vnd.docker.plugins.v1.2+json"
#define MAX_REQUEST (1024 * 1024)
#define MAX_VOLUMES 1024
#define MAX_NAME 255
#define MAX_POOLS 64
#define POOL_ID_MAX 32
#define CIDR_MAX 64
#define GATEWAY_TYPE "com.docker.network.gateway"
#define IO_TIMEOUT_SEC 5
#define BACKLOG 64

static char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static char version[256] = "unknown";
static const char *data_root = DEFAULT_DATA_ROOT;

static char volumes[MAX_VOLUMES][MAX_NAME + 1];
static size_t nvolumes;

/*
 * IPAM pools. Only IPv4 pools get addresses handed out, and only from the
 * first 256 addresses of a pool, tracked in a bitmap (bit = host offset).
 */
struct pool {
	char id[POOL_ID_MAX];
	char cidr[CIDR_MAX];
	int v4;                 /* cidr parsed as IPv4: net/used are valid */
	unsigned long net;      /* network address, host byte order */
	unsigned prefix;
	unsigned char used[32];
};

static struct pool pools[MAX_POOLS];
static size_t npools;
static unsigned long pool_seq;
static unsigned next_subnet; /* N of the next 198.19.N.0/24 handed out */

/* ------------------------------------------------------------------ */
/* growable string buffer                                              */

struct sbuf {
	char *p;
	size_t len, cap;
	int oom;
};

static void sb_putn(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t nc = b->cap ? b->cap : 256;
		char *np;
		while (nc < b->len + n + 1)
			nc *= 2;
		np = realloc(b->p, nc);
		if (!np) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = nc;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_puts(struct sbuf *b, const char *s)
{
	sb_putn(b, s, strlen(s));
}

/* Append s as a JSON string literal (with quotes), escaping as needed. */
static void sb_json_str(struct sbuf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;

	sb_putn(b, "\"", 1);
	for (; *u; u++) {
		unsigned char c = *u;
		if (c == '"') {
			sb_putn(b, "\\\"", 2);
		} else if (c == '\\') {
			sb_putn(b, "\\\\", 2);
		} else if (c == '\n') {
			sb_putn(b, "\\n", 2);
		} else if (c == '\r') {
			sb_putn(b, "\\r", 2);
		} else if (c == '\t') {
			sb_putn(b, "\\t", 2);
		} else if (c < 0x20 || c == 0x7f) {
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			sb_putn(b, e, sizeof e);
		} else {
			sb_putn(b, (const char *)u, 1);
		}
	}
	sb_putn(b, "\"", 1);
}

/* ------------------------------------------------------------------ */
/* minimal JSON reading                                                */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int hex4(const char *p, const char *end, unsigned long *out)
{
	unsigned long v = 0;
	int i;

	if (end - p < 4)
		return 0;
	for (i = 0; i < 4; i++) {
		int h = hexval((unsigned char)p[i]);
		if (h < 0)
			return 0;
		v = (v << 4) | (unsigned long)h;
	}
	*out = v;
	return 1;
}

struct strout {
	char *out;
	size_t outsz;
	size_t n; /* full decoded length, even if truncated */
};

static void so_put(struct strout *o, unsigned char c)
{
	if (o->out && o->n + 1 < o->outsz)
		o->out[o->n] = (char)c;
	o->n++;
}

static void so_put_utf8(struct strout *o, unsigned long cp)
{
	if (cp < 0x80) {
		so_put(o, (unsigned char)cp);
	} else if (cp < 0x800) {
		so_put(o, (unsigned char)(0xc0 | (cp >> 6)));
		so_put(o, (unsigned char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		so_put(o, (unsigned char)(0xe0 | (cp >> 12)));
		so_put(o, (unsigned char)(0x80 | ((cp >> 6) & 0x3f)));
		so_put(o, (unsigned char)(0x80 | (cp & 0x3f)));
	} else {
		so_put(o, (unsigned char)(0xf0 | (cp >> 18)));
		so_put(o, (unsigned char)(0x80 | ((cp >> 12) & 0x3f)));
		so_put(o, (unsigned char)(0x80 | ((cp >> 6) & 0x3f)));
		so_put(o, (unsigned char)(0x80 | (cp & 0x3f)));
	}
}

/*
 * Decode the JSON string literal whose opening quote is at p. Writes a
 * NUL-terminated (possibly truncated) copy to out if out is non-NULL and
 * stores the full decoded length in *outlen. Returns the position just past
 * the closing quote, or NULL if the literal is unterminated/malformed.
 */
static const char *json_string(const char *p, const char *end, char *out,
			       size_t outsz, size_t *outlen)
{
	struct strout o = { out, outsz, 0 };

	p++; /* opening quote */
	while (p < end) {
		unsigned char c = (unsigned char)*p++;
		unsigned long cp, lo;

		if (c == '"') {
			if (out && outsz)
				out[o.n < outsz ? o.n : outsz - 1] = '\0';
			*outlen = o.n;
			return p;
		}
		if (c != '\\') {
			so_put(&o, c);
			continue;
		}
		if (p >= end)
			return NULL;
		c = (unsigned char)*p++;
		switch (c) {
		case 'b': so_put(&o, '\b'); break;
		case 'f': so_put(&o, '\f'); break;
		case 'n': so_put(&o, '\n'); break;
		case 'r': so_put(&o, '\r'); break;
		case 't': so_put(&o, '\t'); break;
		case 'u':
			if (!hex4(p, end, &cp))
				return NULL;
			p += 4;
			if (cp >= 0xd800 && cp <= 0xdbff && end - p >= 6 &&
			    p[0] == '\\' && p[1] == 'u' && hex4(p + 2, end, &lo) &&
			    lo >= 0xdc00 && lo <= 0xdfff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				p += 6;
			}
			so_put_utf8(&o, cp);
			break;
		default: /* '"', '\\', '/' and (leniently) anything else */
			so_put(&o, c);
			break;
		}
	}
	return NULL;
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/*
 * Find the top-level key `key` in the JSON object in [body, body+len).
 * Returns a pointer to the start of its value, or NULL if the key is absent
 * or the JSON is malformed.
 */
static const char *json_find_value(const char *body, size_t len, const char *key)
{
	const char *p = body, *end = body + len;
	size_t keylen = strlen(key);
	int depth = 0;
	char tmp[64];

	while (p < end) {
		char c = *p;

		if (c == '"') {
			size_t klen;
			const char *q = json_string(p, end, tmp, sizeof tmp, &klen);
			const char *r;

			if (!q)
				return NULL;
			r = skip_ws(q, end);
			if (depth == 1 && r < end && *r == ':' && klen == keylen &&
			    klen < sizeof tmp && memcmp(tmp, key, klen) == 0) {
				r = skip_ws(r + 1, end);
				return r < end ? r : NULL;
			}
			p = q;
			continue;
		}
		if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']')
			depth--;
		p++;
	}
	return NULL;
}

/*
 * Find the top-level key `key` in the JSON object in [body, body+len) and
 * decode its string value into out. Returns 0 on success, -1 if the key is
 * absent, not a string, or the JSON is malformed.
 */
static int json_get_string(const char *body, size_t len, const char *key,
			   char *out, size_t outsz, size_t *outlen)
{
	const char *end = body + len;
	const char *v = json_find_value(body, len, key);

	if (v && *v == '"' && json_string(v, end, out, outsz, outlen))
		return 0;
	return -1;
}

/* Is the top-level key `key` the literal true? */
static int json_get_true(const char *body, size_t len, const char *key)
{
	const char *end = body + len;
	const char *v = json_find_value(body, len, key);

	return v && end - v >= 4 && memcmp(v, "true", 4) == 0;
}

/*
 * Like json_get_string, for the key `key` of the object that is the value of
 * the top-level key `object` (e.g. Options.RequestAddressType).
 */
static int json_get_nested_string(const char *body, size_t len, const char *object,
				  const char *key, char *out, size_t outsz, size_t *outlen)
{
	const char *end = body + len;
	const char *v = json_find_value(body, len, object), *p;
	int depth = 0;

	if (!v || *v != '{')
		return -1;
	/* find the end of the object so keys after it are not searched */
	for (p = v; p < end;) {
		if (*p == '"') {
			size_t n;
			p = json_string(p, end, NULL, 0, &n);
			if (!p)
				return -1;
			continue;
		}
		if (*p == '{' || *p == '[') {
			depth++;
		} else if (*p == '}' || *p == ']') {
			if (--depth == 0)
				return json_get_string(v, (size_t)(p + 1 - v), key, out, outsz, outlen);
		}
		p++;
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* HTTP                                                                */

struct request {
	char method[16];
	char path[256];
	const char *body;
	size_t body_len;
};

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 413: return "Payload Too Large";
	default: return "Internal Server Error";
	}
}

static void send_response(int fd, int status, const char *body, size_t blen)
{
	char hdr[256];
	int n = snprintf(hdr, sizeof hdr,
			 "HTTP/1.1 %d %s\r\n"
			 "Content-Type: " CONTENT_TYPE "\r\n"
			 "Content-Length: %zu\r\n"
			 "Connection: close\r\n"
			 "\r\n",
			 status, reason(status), blen);

	if (n < 0 || (size_t)n >= sizeof hdr)
		return;
	if (write_all(fd, hdr, (size_t)n) == 0)
		write_all(fd, body, blen);
}

/* Locate the blank line ending the header block; *hdr_len = bytes incl. it. */
static int find_header_end(const char *buf, size_t len, size_t *hdr_len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (i + 1 < len && buf[i + 1] == '\n') {
			*hdr_len = i + 2;
			return 1;
		}
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n') {
			*hdr_len = i + 3;
			return 1;
		}
	}
	return 0;
}

static int ci_contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return 0;
}

/* Parse request line and headers. Returns 0 or an HTTP error status. */
static int parse_head(const char *buf, size_t hdr_len, struct request *rq,
		      size_t *content_len, int *chunked, int *expect_continue)
{
	const char *p = buf, *end = buf + hdr_len, *eol, *sp, *q;
	size_t n;

	/* request line: METHOD SP TARGET SP VERSION */
	eol = memchr(p, '\n', (size_t)(end - p));
	if (!eol)
		return 400;
	sp = memchr(p, ' ', (size_t)(eol - p));
	if (!sp || sp == p || (size_t)(sp - p) >= sizeof rq->method)
		return 400;
	memcpy(rq->method, p, (size_t)(sp - p));
	rq->method[sp - p] = '\0';
	p = sp + 1;
	for (q = p; q < eol && *q != ' ' && *q != '?' && *q != '\r'; q++)
		;
	if (q == p)
		return 400;
	n = (size_t)(q - p);
	if (n >= sizeof rq->path) {
		rq->path[0] = '\0'; /* too long: will be a 404 */
	} else {
		memcpy(rq->path, p, n);
		rq->path[n] = '\0';
	}

	/* headers */
	for (p = eol + 1; p < end; p = eol + 1) {
		const char *colon, *v, *ve;
		char val[128];

		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			break;
		colon = memchr(p, ':', (size_t)(eol - p));
		if (!colon)
			continue;
		v = colon + 1;
		ve = eol;
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		n = (size_t)(ve - v);
		if (n >= sizeof val)
			n = sizeof val - 1;
		memcpy(val, v, n);
		val[n] = '\0';

		n = (size_t)(colon - p);
		if (n == 14 && strncasecmp(p, "Content-Length", 14) == 0) {
			char *e;
			unsigned long long cl;
			if (val[0] < '0' || val[0] > '9')
				return 400;
			errno = 0;
			cl = strtoull(val, &e, 10);
			if (*e || errno)
				return 400;
			if (cl > MAX_REQUEST)
				return 413;
			*content_len = (size_t)cl;
		} else if (n == 17 && strncasecmp(p, "Transfer-Encoding", 17) == 0) {
			if (ci_contains(val, "chunked"))
				*chunked = 1;
		} else if (n == 6 && strncasecmp(p, "Expect", 6) == 0) {
			if (strcasecmp(val, "100-continue") == 0)
				*expect_continue = 1;
		}
	}
	return 0;
}

/* Find end of line starting at p; returns pointer to '\n' or NULL. */
static const char *line_end(const char *p, const char *end)
{
	return memchr(p, '\n', (size_t)(end - p));
}

/*
 * Decode a chunked body in [in, in+len). If out is NULL only check
 * completeness. If out is non-NULL (may equal in: decoding is done in
 * place with memmove), write the decoded body and its length to *outlen.
 * Returns 1 when complete, 0 when more data is needed, -1 on error.
 */
static int chunked_decode(char *in, size_t len, char *out, size_t *outlen)
{
	const char *r = in, *end = in + len;
	size_t w = 0;

	for (;;) {
		const char *eol = line_end(r, end);
		size_t size = 0;
		int digits = 0, h;

		if (!eol)
			return 0;
		while (r < eol && (h = hexval((unsigned char)*r)) >= 0) {
			size = size * 16 + (size_t)h;
			if (size > MAX_REQUEST)
				return -1;
			digits++;
			r++;
		}
		if (!digits)
			return -1;
		r = eol + 1;
		if (size == 0) {
			/* optional trailers, then an empty line */
			for (;;) {
				eol = line_end(r, end);
				if (!eol)
					return 0;
				if (eol == r || (eol == r + 1 && *r == '\r')) {
					*outlen = w;
					return 1;
				}
				r = eol + 1;
			}
		}
		if ((size_t)(end - r) < size)
			return 0;
		if (out)
			memmove(out + w, r, size);
		w += size;
		r += size;
		if (r >= end)
			return 0;
		if (*r == '\r') {
			if (r + 1 >= end)
				return 0;
			if (r[1] != '\n')
				return -1;
			r += 2;
		} else if (*r == '\n') {
			r++;
		} else {
			return -1;
		}
	}
}

/*
 * Read one request into buf (capacity MAX_REQUEST). Returns 0 on success,
 * an HTTP error status to report, or -1 if the connection should just be
 * dropped (peer closed, timeout).
 */
static int read_request(int fd, char *buf, struct request *rq)
{
	size_t len = 0, hdr_len = 0, content_len = 0;
	int have_hdr = 0, chunked = 0, expect_continue = 0, sent_continue = 0;

	for (;;) {
		ssize_t n;

		if (have_hdr) {
			if (chunked) {
				size_t blen = 0;
				int r = chunked_decode(buf + hdr_len, len - hdr_len, NULL, &blen);
				if (r < 0)
					return 400;
				if (r > 0) {
					chunked_decode(buf + hdr_len, len - hdr_len,
						       buf + hdr_len, &blen);
					rq->body = buf + hdr_len;
					rq->body_len = blen;
					return 0;
				}
			} else if (len - hdr_len >= content_len) {
				rq->body = buf + hdr_len;
				rq->body_len = content_len;
				return 0;
			}
			if (expect_continue && !sent_continue) {
				static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
				if (write_all(fd, cont, sizeof cont - 1) < 0)
					return -1;
				sent_continue = 1;
			}
		}
		if (len >= MAX_REQUEST)
			return 413;
		n = read(fd, buf + len, MAX_REQUEST - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			return -1;
		len += (size_t)n;
		if (!have_hdr) {
			int st;
			if (!find_header_end(buf, len, &hdr_len))
				continue;
			have_hdr = 1;
			st = parse_head(buf, hdr_len, rq, &content_len, &chunked,
					&expect_continue);
			if (st)
				return st;
			if (!chunked && content_len > MAX_REQUEST - hdr_len)
				return 413;
		}
	}
}

/* ------------------------------------------------------------------ */
/* helpers                                                             */

static void mkdir_p(const char *path)
{
	char tmp[4096];
	size_t n = strlen(path), i;

	if (n == 0 || n >= sizeof tmp)
		return;
	memcpy(tmp, path, n + 1);
	for (i = 1; i < n; i++) {
		if (tmp[i] == '/') {
			tmp[i] = '\0';
			mkdir(tmp, 0755);
			tmp[i] = '/';
		}
	}
	mkdir(tmp, 0755);
}

static void read_version(const char *file)
{
	char buf[sizeof version];
	ssize_t n;
	size_t s = 0, e;
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return; /* keep "unknown" */
	do {
		n = read(fd, buf, sizeof buf - 1);
	} while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return;
	e = (size_t)n;
	while (s < e && (buf[s] == ' ' || buf[s] == '\t' || buf[s] == '\r' || buf[s] == '\n'))
		s++;
	while (e > s && (buf[e - 1] == ' ' || buf[e - 1] == '\t' || buf[e - 1] == '\r' ||
			 buf[e - 1] == '\n'))
		e--;
	memcpy(version, buf + s, e - s);
	version[e - s] = '\0';
}

static int find_volume(const char *name)
{
	size_t i;

	for (i = 0; i < nvolumes; i++)
		if (strcmp(volumes[i], name) == 0)
			return (int)i;
	return -1;
}

static void sb_err(struct sbuf *out, const char *msg)
{
	sb_puts(out, "{\"Err\":");
	sb_json_str(out, msg);
	sb_puts(out, "}");
}

static void sb_mountpoint(struct sbuf *out, const char *name)
{
	struct sbuf mp = { 0 };

	sb_puts(&mp, data_root);
	sb_puts(&mp, "/");
	sb_puts(&mp, name);
	if (mp.oom) {
		out->oom = 1;
	} else {
		sb_json_str(out, mp.p);
	}
	free(mp.p);
}

/*
 * Extract and validate the "Name" field. Returns 0 on success; otherwise
 * writes an {"Err":...} body into out and returns -1.
 */
static int get_name(const struct request *rq, char name[MAX_NAME + 1], struct sbuf *out)
{
	size_t len, i;

	if (json_get_string(rq->body, rq->body_len, "Name", name, MAX_NAME + 1, &len) < 0) {
		sb_err(out, "missing volume name");
		return -1;
	}
	if (len == 0 || len > MAX_NAME || strlen(name) != len ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		sb_err(out, "invalid volume name");
		return -1;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c == '/' || c < 0x20 || c == 0x7f) {
			sb_err(out, "invalid volume name");
			return -1;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* handlers                                                            */

typedef int (*handler_fn)(const struct request *rq, struct sbuf *out);

static int h_activate(const struct request *rq, struct sbuf *out)
{
	(void)rq;
	sb_puts(out, "{\"Implements\":[\"VolumeDriver\",\"NetworkDriver\",\"IpamDriver\"]}");
	return 200;
}

static int h_vol_caps(const struct request *rq, struct sbuf *out)
{
	(void)rq;
	sb_puts(out, "{\"Capabilities\":{\"Scope\":\"local\"}}");
	return 200;
}

static int h_vol_create(const struct request *rq, struct sbuf *out)
{
	char name[MAX_NAME + 1];

	if (get_name(rq, name, out) < 0)
		return 200;
	if (strncmp(version, "broken", 6) == 0) {
		sb_err(out, "this build is broken: it cannot create volumes");
		return 200;
	}
	if (find_volume(name) < 0) {
		if (nvolumes >= MAX_VOLUMES) {
			sb_err(out, "too many volumes");
			return 200;
		}
		memcpy(volumes[nvolumes++], name, strlen(name) + 1);
	}
	sb_err(out, "");
	return 200;
}

static int h_vol_remove(const struct request *rq, struct sbuf *out)
{
	char name[MAX_NAME + 1];
	int i;

	if (get_name(rq, name, out) < 0)
		return 200;
	i = find_volume(name);
	if (i < 0) {
		sb_err(out, "no such volume");
		return 200;
	}
	memmove(volumes[i], volumes[i + 1], (nvolumes - (size_t)i - 1) * sizeof volumes[0]);
	nvolumes--;
	sb_err(out, "");
	return 200;
}

static int h_vol_get(const struct request *rq, struct sbuf *out)
{
	char name[MAX_NAME + 1];

	if (get_name(rq, name, out) < 0)
		return 200;
	if (find_volume(name) < 0) {
		sb_err(out, "no such volume");
		return 200;
	}
	sb_puts(out, "{\"Volume\":{\"Name\":");
	sb_json_str(out, name);
	sb_puts(out, ",\"Mountpoint\":");
	sb_mountpoint(out, name);
	sb_puts(out, ",\"Status\":{}},\"Err\":\"\"}");
	return 200;
}

/* What a "hostile" build lists beside the real volumes; U+009B is sent as UTF-8. */
static const char hostile_volume[] =
	"\033]0;pwned-volume-title\007hostile\033[2J\033[1;31mvolume\033[0m"
	"\302\233" "31m\r\nline2\007";

static int h_vol_list(const struct request *rq, struct sbuf *out)
{
	size_t i;

	(void)rq;
	sb_puts(out, "{\"Volumes\":[");
	for (i = 0; i < nvolumes; i++) {
		if (i)
			sb_puts(out, ",");
		sb_puts(out, "{\"Name\":");
		sb_json_str(out, volumes[i]);
		sb_puts(out, ",\"Mountpoint\":");
		sb_mountpoint(out, volumes[i]);
		sb_puts(out, "}");
	}
	if (strncmp(version, "hostile", 7) == 0) {
		if (nvolumes)
			sb_puts(out, ",");
		sb_puts(out, "{\"Name\":");
		sb_json_str(out, hostile_volume);
		sb_puts(out, ",\"Mountpoint\":");
		sb_json_str(out, data_root);
		sb_puts(out, "}");
	}
	sb_puts(out, "],\"Err\":\"\"}");
	return 200;
}

static int h_vol_path(const struct request *rq, struct sbuf *out)
{
	char name[MAX_NAME + 1];

	if (get_name(rq, name, out) < 0)
		return 200;
	sb_puts(out, "{\"Mountpoint\":");
	sb_mountpoint(out, name);
	sb_puts(out, ",\"Err\":\"\"}");
	return 200;
}

static int h_vol_mount(const struct request *rq, struct sbuf *out)
{
	char name[MAX_NAME + 1];
	struct sbuf mp = { 0 };

	if (get_name(rq, name, out) < 0)
		return 200;
	sb_puts(&mp, data_root);
	sb_puts(&mp, "/");
	sb_puts(&mp, name);
	if (!mp.oom)
		mkdir_p(mp.p); /* errors ignored */
	free(mp.p);
	sb_puts(out, "{\"Mountpoint\":");
	sb_mountpoint(out, name);
	sb_puts(out, ",\"Err\":\"\"}");
	return 200;
}

static int h_vol_unmount(const struct request *rq, struct sbuf *out)
{
	(void)rq;
	sb_err(out, "");
	return 200;
}

static int h_net_caps(const struct request *rq, struct sbuf *out)
{
	(void)rq;
	sb_puts(out, "{\"Scope\":\"local\",\"ConnectivityScope\":\"local\"}");
	return 200;
}

static int h_net_create_endpoint(const struct request *rq, struct sbuf *out)
{
	(void)rq;
	sb_puts(out, "{\"Interface\":{}}");
	return 200;
}

static int h_net_oper_info(const struct request *rq, struct sbuf *out)
{
	(void)rq;
	sb_puts(out, "{\"Value\":{}}");
	return 200;
}

/* ------------------------------------------------------------------ */
/* IPAM                                                                */

/*
 * Parse a dotted-quad IPv4 address at s, optionally followed by "/prefix".
 * Returns 0 and fills *addr (host byte order) and *prefix (if a prefix was
 * given and prefix is non-NULL; otherwise left alone), or -1.
 */
static int parse_ipv4(const char *s, unsigned long *addr, unsigned *prefix)
{
	unsigned long a = 0;
	int i;

	for (i = 0; i < 4; i++) {
		unsigned v = 0;
		int digits = 0;

		while (*s >= '0' && *s <= '9' && digits < 3) {
			v = v * 10 + (unsigned)(*s++ - '0');
			digits++;
		}
		if (!digits || v > 255)
			return -1;
		a = (a << 8) | v;
		if (i < 3 && *s++ != '.')
			return -1;
	}
	if (*s == '/') {
		unsigned v = 0;
		int digits = 0;

		s++;
		while (*s >= '0' && *s <= '9' && digits < 2) {
			v = v * 10 + (unsigned)(*s++ - '0');
			digits++;
		}
		if (!digits || v > 32)
			return -1;
		if (prefix)
			*prefix = v;
	}
	if (*s)
		return -1;
	*addr = a;
	return 0;
}

static unsigned long prefix_mask(unsigned prefix)
{
	return prefix == 0 ? 0 : (0xffffffffUL << (32 - prefix)) & 0xffffffffUL;
}

static void format_ipv4(char *buf, size_t sz, unsigned long a, unsigned prefix)
{
	snprintf(buf, sz, "%lu.%lu.%lu.%lu/%u", (a >> 24) & 255, (a >> 16) & 255,
		 (a >> 8) & 255, a & 255, prefix);
}

static struct pool *find_pool(const char *id)
{
	size_t i;

	for (i = 0; i < npools; i++)
		if (strcmp(pools[i].id, id) == 0)
			return &pools[i];
	return NULL;
}

/* Host offset of addr in pool p, if it is one the bitmap tracks; else -1. */
static int pool_offset(const struct pool *p, unsigned long addr)
{
	unsigned long off;

	if (!p->v4 || (addr & prefix_mask(p->prefix)) != p->net)
		return -1;
	off = addr - p->net;
	return off < 8 * sizeof p->used ? (int)off : -1;
}

static void pool_mark(struct pool *p, int off, int used)
{
	if (off < 0)
		return;
	if (used)
		p->used[off / 8] |= (unsigned char)(1u << (off % 8));
	else
		p->used[off / 8] &= (unsigned char)~(1u << (off % 8));
}

static int pool_is_used(const struct pool *p, int off)
{
	return (p->used[off / 8] >> (off % 8)) & 1;
}

static int subnet_in_use(unsigned n)
{
	unsigned long net = (198UL << 24) | (19UL << 16) | ((unsigned long)n << 8);
	size_t i;

	for (i = 0; i < npools; i++)
		if (pools[i].v4 && pools[i].prefix == 24 && pools[i].net == net)
			return 1;
	return 0;
}

static int h_ipam_caps(const struct request *rq, struct sbuf *out)
{
	(void)rq;
	sb_puts(out, "{\"RequiresMACAddress\":false}");
	return 200;
}

static int h_ipam_spaces(const struct request *rq, struct sbuf *out)
{
	(void)rq;
	sb_puts(out, "{\"LocalDefaultAddressSpace\":\"kasm-local\","
		     "\"GlobalDefaultAddressSpace\":\"kasm-global\"}");
	return 200;
}

static int h_ipam_request_pool(const struct request *rq, struct sbuf *out)
{
	char want[CIDR_MAX];
	struct pool *p;
	size_t len;
	const char *slash;

	if (npools >= MAX_POOLS) {
		sb_err(out, "too many pools");
		return 200;
	}
	p = &pools[npools];
	memset(p, 0, sizeof *p);
	if (json_get_string(rq->body, rq->body_len, "Pool", want, sizeof want, &len) < 0) {
		want[0] = '\0';
		len = 0;
	}
	if (len >= sizeof want || strlen(want) != len) {
		sb_err(out, "invalid pool");
		return 200;
	}
	if (len > 0) {
		memcpy(p->cidr, want, len + 1);
		p->prefix = 0;
		slash = strchr(want, '/');
		if (slash)
			p->prefix = (unsigned)atoi(slash + 1);
		if (parse_ipv4(want, &p->net, &p->prefix) == 0 && slash) {
			p->v4 = 1;
			p->net &= prefix_mask(p->prefix);
		}
	} else if (json_get_true(rq->body, rq->body_len, "V6")) {
		sb_err(out, "the kasm fixture hands out no IPv6 pools; ask for one with --subnet");
		return 200;
	} else {
		unsigned i, n = 0;

		for (i = 0; i < 256; i++) {
			n = (next_subnet + i) % 256;
			if (!subnet_in_use(n))
				break;
		}
		if (i == 256) {
			sb_err(out, "no free 198.19.N.0/24 pool");
			return 200;
		}
		next_subnet = (n + 1) % 256;
		p->v4 = 1;
		p->prefix = 24;
		p->net = (198UL << 24) | (19UL << 16) | ((unsigned long)n << 8);
		format_ipv4(p->cidr, sizeof p->cidr, p->net, p->prefix);
	}
	snprintf(p->id, sizeof p->id, "kasm-pool-%lu", ++pool_seq);
	npools++;
	sb_puts(out, "{\"PoolID\":");
	sb_json_str(out, p->id);
	sb_puts(out, ",\"Pool\":");
	sb_json_str(out, p->cidr);
	sb_puts(out, ",\"Data\":{}}");
	return 200;
}

static int h_ipam_release_pool(const struct request *rq, struct sbuf *out)
{
	char id[POOL_ID_MAX];
	size_t len;
	struct pool *p = NULL;

	if (json_get_string(rq->body, rq->body_len, "PoolID", id, sizeof id, &len) == 0 &&
	    len < sizeof id)
		p = find_pool(id);
	if (p) {
		size_t i = (size_t)(p - pools);
		memmove(&pools[i], &pools[i + 1], (npools - i - 1) * sizeof pools[0]);
		npools--;
	}
	sb_puts(out, "{}");
	return 200;
}

static int h_ipam_request_address(const struct request *rq, struct sbuf *out)
{
	char id[POOL_ID_MAX], want[CIDR_MAX], type[64], addr[CIDR_MAX + 8];
	size_t len;
	struct pool *p = NULL;
	unsigned long a;
	unsigned prefix = 24;
	int off;

	if (json_get_string(rq->body, rq->body_len, "PoolID", id, sizeof id, &len) == 0 &&
	    len < sizeof id)
		p = find_pool(id);
	if (p && p->prefix)
		prefix = p->prefix;
	if (json_get_string(rq->body, rq->body_len, "Address", want, sizeof want, &len) < 0) {
		want[0] = '\0';
		len = 0;
	}
	if (len >= sizeof want || strlen(want) != len) {
		sb_err(out, "invalid address");
		return 200;
	}
	if (len > 0) {
		/* the address asked for, in the pool's prefix length */
		char *slash = strchr(want, '/');

		if (slash)
			*slash = '\0';
		if (p && parse_ipv4(want, &a, NULL) == 0)
			pool_mark(p, pool_offset(p, a), 1);
		snprintf(addr, sizeof addr, "%s/%u", want, prefix);
	} else if (!p) {
		sb_err(out, "unknown pool");
		return 200;
	} else if (!p->v4) {
		sb_err(out, "the kasm fixture hands out addresses from IPv4 pools only");
		return 200;
	} else {
		/* offsets below limit: not the broadcast address, within the bitmap */
		int limit = p->prefix > 24 ? (1 << (32 - p->prefix)) - 1 : (int)(8 * sizeof p->used);

		if (json_get_nested_string(rq->body, rq->body_len, "Options", "RequestAddressType",
					   type, sizeof type, &len) == 0 &&
		    strcmp(type, GATEWAY_TYPE) == 0) {
			off = 1;
			if (off >= limit) {
				sb_err(out, "pool too small for a gateway");
				return 200;
			}
		} else {
			for (off = 2; off < limit && pool_is_used(p, off); off++)
				;
			if (off >= limit) {
				sb_err(out, "pool exhausted");
				return 200;
			}
		}
		pool_mark(p, off, 1);
		format_ipv4(addr, sizeof addr, p->net + (unsigned long)off, p->prefix);
	}
	sb_puts(out, "{\"Address\":");
	sb_json_str(out, addr);
	sb_puts(out, ",\"Data\":{}}");
	return 200;
}

static int h_ipam_release_address(const struct request *rq, struct sbuf *out)
{
	char id[POOL_ID_MAX], want[CIDR_MAX];
	size_t len;
	struct pool *p = NULL;
	unsigned long a;

	if (json_get_string(rq->body, rq->body_len, "PoolID", id, sizeof id, &len) == 0 &&
	    len < sizeof id)
		p = find_pool(id);
	if (p && json_get_string(rq->body, rq->body_len, "Address", want, sizeof want, &len) == 0 &&
	    len < sizeof want) {
		char *slash = strchr(want, '/');

		if (slash)
			*slash = '\0';
		if (parse_ipv4(want, &a, NULL) == 0)
			pool_mark(p, pool_offset(p, a), 0);
	}
	sb_puts(out, "{}");
	return 200;
}

static int h_empty(const struct request *rq, struct sbuf *out)
{
	(void)rq;
	sb_puts(out, "{}");
	return 200;
}

static int h_kasm_version(const struct request *rq, struct sbuf *out)
{
	(void)rq;
	sb_puts(out, "{\"Version\":");
	sb_json_str(out, version);
	sb_puts(out, "}");
	return 200;
}

static const struct route {
	const char *path;
	handler_fn fn;
} routes[] = {
	{ "/Plugin.Activate", h_activate },
	{ "/VolumeDriver.Capabilities", h_vol_caps },
	{ "/VolumeDriver.Create", h_vol_create },
	{ "/VolumeDriver.Remove", h_vol_remove },
	{ "/VolumeDriver.Get", h_vol_get },
	{ "/VolumeDriver.List", h_vol_list },
	{ "/VolumeDriver.Path", h_vol_path },
	{ "/VolumeDriver.Mount", h_vol_mount },
	{ "/VolumeDriver.Unmount", h_vol_unmount },
	{ "/NetworkDriver.GetCapabilities", h_net_caps },
	{ "/NetworkDriver.CreateNetwork", h_empty },
	{ "/NetworkDriver.DeleteNetwork", h_empty },
	{ "/NetworkDriver.CreateEndpoint", h_net_create_endpoint },
	{ "/NetworkDriver.DeleteEndpoint", h_empty },
	{ "/NetworkDriver.EndpointOperInfo", h_net_oper_info },
	{ "/NetworkDriver.Join", h_empty },
	{ "/NetworkDriver.Leave", h_empty },
	{ "/NetworkDriver.DiscoverNew", h_empty },
	{ "/NetworkDriver.DiscoverDelete", h_empty },
	{ "/NetworkDriver.ProgramExternalConnectivity", h_empty },
	{ "/NetworkDriver.RevokeExternalConnectivity", h_empty },
	{ "/NetworkDriver.AllocateNetwork", h_empty },
	{ "/NetworkDriver.FreeNetwork", h_empty },
	{ "/IpamDriver.GetCapabilities", h_ipam_caps },
	{ "/IpamDriver.GetDefaultAddressSpaces", h_ipam_spaces },
	{ "/IpamDriver.RequestPool", h_ipam_request_pool },
	{ "/IpamDriver.ReleasePool", h_ipam_release_pool },
	{ "/IpamDriver.RequestAddress", h_ipam_request_address },
	{ "/IpamDriver.ReleaseAddress", h_ipam_release_address },
	{ "/Kasm.Version", h_kasm_version },
};

static void log_request(const struct request *rq, int status)
{
	char name[64], netid[80];
	size_t len;

	name[0] = netid[0] = '\0';
	if (rq->body) {
		if (json_get_string(rq->body, rq->body_len, "Name", name, sizeof name, &len) < 0)
			name[0] = '\0';
		if (json_get_string(rq->body, rq->body_len, "NetworkID", netid, sizeof netid, &len) < 0)
			netid[0] = '\0';
	}
	fprintf(stderr, "kasm-fixture: %s %s -> %d%s%s%s%s\n", rq->method, rq->path, status,
		name[0] ? " Name=" : "", name, netid[0] ? " NetworkID=" : "", netid);
}

static void handle_conn(int fd, char *buf)
{
	struct request rq;
	struct sbuf out = { 0 };
	struct timeval tv = { IO_TIMEOUT_SEC, 0 };
	int status;
	size_t i;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);

	memset(&rq, 0, sizeof rq);
	status = read_request(fd, buf, &rq);
	if (status < 0)
		return;
	if (status == 400) {
		sb_err(&out, "bad request");
	} else if (status == 413) {
		sb_err(&out, "request too large");
	} else {
		status = 404;
		for (i = 0; i < sizeof routes / sizeof routes[0]; i++) {
			if (strcmp(rq.path, routes[i].path) == 0) {
				status = routes[i].fn(&rq, &out);
				break;
			}
		}
		if (status == 404)
			sb_err(&out, "unknown endpoint");
	}
	if (out.oom) {
		static const char oom[] = "{\"Err\":\"out of memory\"}";
		status = 500;
		send_response(fd, status, oom, sizeof oom - 1);
	} else {
		send_response(fd, status, out.p, out.len);
	}
	log_request(&rq, status);
	free(out.p);
}

/* ------------------------------------------------------------------ */

static void on_term(int sig)
{
	(void)sig;
	unlink(sock_path);
	_exit(0);
}

extern char **environ;

/* What a plugin prints to stdout, dockerd logs at info level with plugin=<id>: the settings it runs with. */
static void print_settings(int argc, char **argv)
{
	char **e;
	int i;

	printf("kasm-fixture: ready, version %s\n", version);
	for (e = environ; *e; e++)
		if (strncmp(*e, "KASM_", 5) == 0)
			printf("kasm-fixture: setting %s\n", *e);
	for (i = 1; i < argc; i++)
		printf("kasm-fixture: argument %s\n", argv[i]);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	const char *env;
	struct sockaddr_un addr;
	struct sigaction sa;
	char dir[sizeof sock_path];
	char *buf, *slash;
	int lfd;

	env = getenv("PLUGIN_SOCKET");
	if (!env || !*env)
		env = DEFAULT_SOCKET;
	if (strlen(env) >= sizeof sock_path) {
		fprintf(stderr, "kasm-fixture: socket path too long: %s\n", env);
		return 1;
	}
	memcpy(sock_path, env, strlen(env) + 1);

	env = getenv("PLUGIN_VERSION_FILE");
	read_version(env && *env ? env : DEFAULT_VERSION_FILE);
	env = getenv("PLUGIN_DATA_ROOT");
	if (env && *env)
		data_root = env;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	buf = malloc(MAX_REQUEST + 1);
	if (!buf) {
		fprintf(stderr, "kasm-fixture: out of memory\n");
		return 1;
	}

	memcpy(dir, sock_path, sizeof dir);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir_p(dir);
	}
	unlink(sock_path);

	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0) {
		perror("kasm-fixture: socket");
		return 1;
	}
	memset(&addr, 0, sizeof addr);
	addr.sun_family = AF_UNIX;
	memcpy(addr.sun_path, sock_path, strlen(sock_path) + 1);
	if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0) {
		perror("kasm-fixture: bind");
		return 1;
	}
	if (listen(lfd, BACKLOG) < 0) {
		perror("kasm-fixture: listen");
		unlink(sock_path);
		return 1;
	}
	fprintf(stderr, "kasm-fixture: version %s listening on %s\n", version, sock_path);
	print_settings(argc, argv);

	for (;;) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			if (errno != EINTR && errno != ECONNABORTED)
				usleep(10000); /* e.g. EMFILE: back off briefly */
			continue;
		}
		handle_conn(fd, buf);
		close(fd);
	}
}
