// SPDX-License-Identifier: MIT
/*
 * udev_rules.c - udev rules files (udev(7)) applied to memhp's uevents,
 * so that a distribution's memory hotplug rules can be run against memhp:
 *
 *     SUBSYSTEM=="memory", ACTION=="add", ATTR{state}=="offline", ATTR{state}="online"
 *
 * The keys a memory or node rule uses: ACTION, DEVPATH, KERNEL, SUBSYSTEM,
 * ENV{KEY}, ATTR{FILE} (match and assign), TEST (a file of the device, or
 * under /sys: memhpd's), GOTO and LABEL;
 * the operators ==, !=, =, += and :=; shell patterns with `|`
 * alternatives; the substitutions $kernel %k, $number %n, $devpath %p,
 * $env{KEY} %E{KEY}, $attr{FILE} %s{FILE}, $$ and %%.  An attribute is
 * read and written through memhpd, never on the host.  RUN and PROGRAM
 * would run a program on the host, so a rule using them is printed and
 * not run; any other key makes its rule inert, with a warning at load
 * time, as udevd ignores a line it cannot parse.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "udev.h"

enum key { K_ACTION, K_DEVPATH, K_KERNEL, K_SUBSYSTEM, K_ENV, K_ATTR, K_TEST, K_GOTO, K_LABEL, K_RUN,
	   K_PROGRAM, K_NR };
enum op { OP_MATCH, OP_NOMATCH, OP_ASSIGN, OP_ADD, OP_ASSIGN_FINAL };

static const struct key_spec {
	const char *name;
	int has_attr;		/* KEY{...}: 0 never, 1 always, 2 optional */
	bool can_match, can_assign;
	const char *env;	/* the property it matches, when it is one */
} keys[K_NR] = {
	[K_ACTION] = { "ACTION", false, true, false, "ACTION" },
	[K_DEVPATH] = { "DEVPATH", false, true, false, "DEVPATH" },
	[K_KERNEL] = { "KERNEL", false, true, false, NULL },
	[K_SUBSYSTEM] = { "SUBSYSTEM", false, true, false, "SUBSYSTEM" },
	[K_ENV] = { "ENV", true, true, true, NULL },
	[K_ATTR] = { "ATTR", true, true, true, NULL },
	[K_TEST] = { "TEST", 2, true, false, NULL },	/* TEST{mode}=="file" */
	[K_GOTO] = { "GOTO", false, false, true, NULL },
	[K_LABEL] = { "LABEL", false, false, true, NULL },
	[K_RUN] = { "RUN", 2, false, true, NULL },
	[K_PROGRAM] = { "PROGRAM", false, true, false, NULL },
};

static const char *const op_names[] = { "==", "!=", "=", "+=", ":=" };

struct token {
	enum key key;
	enum op op;
	char *attr;	/* KEY{attr} */
	char *value;
};

struct rule {
	struct token *tok;
	int nr_tok;
	char *file;
	int line;
	bool inert;	/* a key memhp cannot honour, or PROGRAM: never matches */
};

struct udev_rules {
	struct rule *rule;
	int nr_rule;
};

void udev_rules_free(struct udev_rules *rules)
{
	if (!rules)
		return;
	for (int i = 0; i < rules->nr_rule; i++) {
		struct rule *r = &rules->rule[i];

		for (int t = 0; t < r->nr_tok; t++) {
			free(r->tok[t].attr);
			free(r->tok[t].value);
		}
		free(r->tok);
		free(r->file);
	}
	free(rules->rule);
	free(rules);
}

/* ---- parsing ------------------------------------------------------------------ */

static char *skip_space(char *p)
{
	while (*p == ' ' || *p == '\t' || *p == ',')
		p++;
	return p;
}

static int parse_op(char **pp, enum op *op)
{
	for (int o = OP_MATCH; o <= OP_ASSIGN_FINAL; o++) {
		size_t n = strlen(op_names[o]);

		/* "=" would match the start of "==": the two-character ones are tried first */
		if (o == OP_ASSIGN && (*pp)[1] == '=')
			continue;
		if (!strncmp(*pp, op_names[o], n)) {
			*op = (enum op)o;
			*pp += n;
			return 0;
		}
	}
	return -EINVAL;
}

/* KEY[{ATTR}] OP "VALUE": one token; *pp moves past it */
static int parse_token(char **pp, struct token *t, char *why, size_t whylen)
{
	char *p = *pp, *name = p, *attr = NULL, *q;
	size_t n;

	while (isupper((unsigned char)*p) || *p == '_')
		p++;
	n = (size_t)(p - name);
	if (*p == '{') {
		attr = p + 1;
		if (!(q = strchr(attr, '}')))
			return snprintf(why, whylen, "unterminated {"), -EINVAL;
		*q = '\0';
		p = q + 1;
	}
	t->key = K_NR;
	for (int k = 0; k < K_NR; k++)
		if (strlen(keys[k].name) == n && !strncmp(name, keys[k].name, n))
			t->key = (enum key)k;
	while (*p == ' ' || *p == '\t')
		p++;
	if (parse_op(&p, &t->op))
		return snprintf(why, whylen, "no operator after '%.*s'", (int)n, name), -EINVAL;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '"' || !(q = strchr(p + 1, '"')))
		return snprintf(why, whylen, "value of '%.*s' not quoted", (int)n, name), -EINVAL;
	*q = '\0';
	t->value = strdup(p + 1);
	t->attr = attr ? strdup(attr) : NULL;
	*pp = q + 1;
	if (!t->value || (attr && !t->attr))
		return snprintf(why, whylen, "out of memory"), -ENOMEM;
	if (t->key == K_NR)
		return snprintf(why, whylen, "key '%.*s' is not one memhp honours", (int)n, name), -EOPNOTSUPP;
	if ((t->op <= OP_NOMATCH && !keys[t->key].can_match) || (t->op > OP_NOMATCH && !keys[t->key].can_assign))
		return snprintf(why, whylen, "%s cannot take %s", keys[t->key].name, op_names[t->op]), -EINVAL;
	if (keys[t->key].has_attr != 2 && keys[t->key].has_attr != !!attr)
		return snprintf(why, whylen, "%s %s {...}", keys[t->key].name, attr ? "takes no" : "needs"),
		       -EINVAL;
	return 0;
}

static int parse_rule(char *line, struct rule *r, char *why, size_t whylen)
{
	char *p = skip_space(line);

	while (*p) {
		struct token *t = realloc(r->tok, (size_t)(r->nr_tok + 1) * sizeof(*t)), tok = { 0 };
		int ret;

		if (!t)
			return snprintf(why, whylen, "out of memory"), -ENOMEM;
		r->tok = t;
		ret = parse_token(&p, &tok, why, whylen);
		if (ret && ret != -EOPNOTSUPP) {
			free(tok.attr);
			free(tok.value);
			return ret;
		}
		if (ret == -EOPNOTSUPP) {
			r->inert = true;
			fprintf(stderr, "memhpctl udev: %s:%d: %s: the rule never matches\n", r->file, r->line, why);
		}
		if (tok.key == K_PROGRAM) {
			/* its result decides the match, and it would run on the host */
			r->inert = true;
			fprintf(stderr, "memhpctl udev: %s:%d: PROGRAM is not run: the rule never matches\n",
				r->file, r->line);
		}
		r->tok[r->nr_tok++] = tok;
		p = skip_space(p);
	}
	return 0;
}

/* a line with its continuations (a backslash before the newline) */
static char *read_logical_line(FILE *f, int *lineno)
{
	char *line = NULL, *buf = NULL;
	size_t cap = 0, len = 0;
	ssize_t n;

	while ((n = getline(&buf, &cap, f)) > 0) {
		char *l;

		const char *p = buf;

		(*lineno)++;
		while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
			buf[--n] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		/* a comment is a line of its own: never continued, skipped inside a rule */
		if (*p == '#') {
			if (line)
				continue;
			free(buf);
			return strdup("#");
		}
		l = realloc(line, len + (size_t)n + 1);
		if (!l)
			break;
		line = l;
		memcpy(line + len, buf, (size_t)n + 1);
		len += (size_t)n;
		if (!len || line[len - 1] != '\\')
			break;
		line[--len] = '\0';
	}
	free(buf);
	return line;
}

static int load_file(struct udev_rules *rules, const char *file, char *err, size_t errlen)
{
	FILE *f = fopen(file, "re");
	char *line, why[160];
	int lineno = 0, ret = 0;

	if (!f)
		return snprintf(err, errlen, "%s: %s", file, strerror(errno)), -errno;
	while (!ret && (line = read_logical_line(f, &lineno))) {
		char *p = skip_space(line);

		if (*p && *p != '#') {
			struct rule *r = realloc(rules->rule, (size_t)(rules->nr_rule + 1) * sizeof(*r));

			if (r) {
				rules->rule = r;
				r = &rules->rule[rules->nr_rule++];
				memset(r, 0, sizeof(*r));
				r->file = strdup(file);
				r->line = lineno;
			}
			if (!r || !r->file) {
				ret = -ENOMEM;
				snprintf(err, errlen, "%s:%d: out of memory", file, lineno);
			} else if ((ret = parse_rule(p, r, why, sizeof(why)))) {
				snprintf(err, errlen, "%s:%d: %s", file, lineno, why);
			}
		}
		free(line);
	}
	fclose(f);
	return ret;
}

struct udev_rules *udev_rules_load(char **files, int nr, char *err, size_t errlen)
{
	struct udev_rules *rules = calloc(1, sizeof(*rules));

	if (!rules) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (int i = 0; i < nr; i++)
		if (load_file(rules, files[i], err, errlen)) {
			udev_rules_free(rules);
			return NULL;
		}
	return rules;
}

/* ---- applying ----------------------------------------------------------------- */

struct ctx {
	struct uevent *ev;
	const struct udev_io *io;
	char kernel[128], number[128], syspath[256];
};

static void attr_path(const struct ctx *c, const char *attr, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", c->syspath, attr);
}

/* an attribute's value as udev compares it: trailing white space dropped */
static char *read_attr(const struct ctx *c, const char *attr)
{
	char path[512], *v;
	size_t n;

	attr_path(c, attr, path, sizeof(path));
	v = c->io->read_attr(c->io->arg, path);
	if (!v)
		return NULL;
	n = strlen(v);
	while (n && isspace((unsigned char)v[n - 1]))
		v[--n] = '\0';
	return v;
}

/*
 * in starts with one of the two openings and its name closes with '}'
 * within the name's room: the name, and where the text goes on.  Else
 * NULL, and the text is taken as it is.
 */
static const char *braced(const char *in, const char *dollar, const char *percent, char *name, size_t len)
{
	size_t open = !strncmp(in, dollar, strlen(dollar)) ? strlen(dollar)
		    : !strncmp(in, percent, strlen(percent)) ? strlen(percent) : 0;
	const char *close = open ? strchr(in + open, '}') : NULL;

	if (!close || (size_t)(close - in - open) >= len)
		return NULL;
	snprintf(name, len, "%.*s", (int)(close - in - open), in + open);
	return close + 1;
}

/* $kernel %k, $number %n, $devpath %p, $env{K} %E{K}, $attr{F} %s{F}, $$ %% */
static void substitute(const struct ctx *c, const char *in, char *out, size_t len)
{
	size_t o = 0;

	while (*in && o + 1 < len) {
		const char *v = NULL, *rest = NULL;
		char name[128] = "", *owned = NULL;

		if ((in[0] == '$' && in[1] == '$') || (in[0] == '%' && in[1] == '%')) {
			out[o++] = *in;
			in += 2;
			continue;
		}
		if (!strncmp(in, "$kernel", 7) || !strncmp(in, "%k", 2))
			v = c->kernel, rest = in + (in[0] == '$' ? 7 : 2);
		else if (!strncmp(in, "$number", 7) || !strncmp(in, "%n", 2))
			v = c->number, rest = in + (in[0] == '$' ? 7 : 2);
		else if (!strncmp(in, "$devpath", 8) || !strncmp(in, "%p", 2))
			v = uevent_get(c->ev, "DEVPATH"), rest = in + (in[0] == '$' ? 8 : 2);
		else if ((rest = braced(in, "$env{", "%E{", name, sizeof(name))))
			v = uevent_get(c->ev, name);
		else if ((rest = braced(in, "$attr{", "%s{", name, sizeof(name))))
			v = owned = read_attr(c, name);
		if (!rest) {
			out[o++] = *in++;
			continue;
		}
		o += (size_t)snprintf(out + o, len - o, "%s", v ? v : "");
		if (o >= len)
			o = len - 1;
		free(owned);
		in = rest;
	}
	out[o] = '\0';
}

/* udev's pattern: shell globs, alternatives split by | */
static bool pattern_match(const char *pattern, const char *value)
{
	char buf[1024], *rest = buf, *alt;

	snprintf(buf, sizeof(buf), "%s", pattern);
	/* strsep keeps empty alternatives: "|x" matches an empty value too */
	while ((alt = strsep(&rest, "|")))
		if (!fnmatch(alt, value, 0))
			return true;
	return false;
}

static bool token_matches(const struct ctx *c, const struct token *t)
{
	char pattern[1024], *owned = NULL;
	const char *value = NULL;
	bool hit;

	substitute(c, t->value, pattern, sizeof(pattern));
	if (keys[t->key].env) {
		value = uevent_get(c->ev, keys[t->key].env);
	} else if (t->key == K_KERNEL) {
		value = c->kernel;
	} else if (t->key == K_ENV) {
		value = uevent_get(c->ev, t->attr);
		if (!value)
			value = "";
	} else if (t->key == K_ATTR) {
		/* an attribute that cannot be read matches nothing, either way */
		if (!(value = owned = read_attr(c, t->attr)))
			return false;
	} else if (t->key == K_TEST) {
		/*
		 * TEST=="file": relative to the device, read through memhpd; an
		 * absolute path only inside /sys (memhpd's tree), never the
		 * host's files.  A {mode} is not checked: existence is.
		 */
		if (pattern[0] == '/' && strncmp(pattern, "/sys/", 5))
			hit = false;
		else if (pattern[0] == '/')
			hit = (owned = c->io->read_attr(c->io->arg, pattern)) != NULL;
		else
			hit = (owned = read_attr(c, pattern)) != NULL;
		free(owned);
		return t->op == OP_MATCH ? hit : !hit;
	}
	hit = value && pattern_match(pattern, value);
	free(owned);
	return t->op == OP_MATCH ? hit : !hit;
}

/* an assignment; the index of the LABEL to go to for GOTO, else -1 */
static void token_assign(const struct ctx *c, const struct rule *r, const struct token *t, const char **go_to)
{
	char value[1024], path[512];
	int ret;

	substitute(c, t->value, value, sizeof(value));
	switch (t->key) {
	case K_ENV:
		if (uevent_set(c->ev, t->attr, value))
			fprintf(c->io->log, "%s:%d: ENV{%s} not set: more than %d properties\n", r->file, r->line,
				t->attr, UEVENT_MAX_ENV);
		break;
	case K_ATTR:
		attr_path(c, t->attr, path, sizeof(path));
		ret = c->io->write_attr(c->io->arg, path, value);
		fprintf(c->io->log, "%s:%d: ATTR{%s}=\"%s\" on %s: %s\n", r->file, r->line, t->attr, value,
			uevent_get(c->ev, "DEVPATH"), ret ? strerror(-ret) : "ok");
		break;
	case K_GOTO:
		*go_to = t->value;
		break;
	case K_RUN:
		fprintf(c->io->log, "%s:%d: RUN \"%s\" not run: it would act on the host\n", r->file, r->line,
			value);
		break;
	default:
		break;
	}
}

static bool rule_matches(const struct ctx *c, const struct rule *r)
{
	if (r->inert)
		return false;
	for (int i = 0; i < r->nr_tok; i++)
		if (r->tok[i].op <= OP_NOMATCH && !token_matches(c, &r->tok[i]))
			return false;
	return true;
}

/* udev's rule_resolve_goto: a LABEL later in the same file, else none */
static int find_label(const struct udev_rules *rules, int from, const char *label)
{
	for (int i = from; i < rules->nr_rule && !strcmp(rules->rule[i].file, rules->rule[from - 1].file); i++)
		for (int t = 0; t < rules->rule[i].nr_tok; t++)
			if (rules->rule[i].tok[t].key == K_LABEL && !strcmp(rules->rule[i].tok[t].value, label))
				return i;
	return -1;
}

int udev_rules_apply(const struct udev_rules *rules, struct uevent *ev, const struct udev_io *io)
{
	struct ctx c = { .ev = ev, .io = io };
	const char *devpath = uevent_get(ev, "DEVPATH"), *base;
	size_t n;

	if (!devpath)
		return -EINVAL;
	base = strrchr(devpath, '/');
	snprintf(c.kernel, sizeof(c.kernel), "%s", base ? base + 1 : devpath);
	n = strlen(c.kernel);
	while (n && isdigit((unsigned char)c.kernel[n - 1]))
		n--;
	snprintf(c.number, sizeof(c.number), "%s", c.kernel + n);
	snprintf(c.syspath, sizeof(c.syspath), "/sys%s", devpath);
	for (int i = 0; i < rules->nr_rule; i++) {
		const struct rule *r = &rules->rule[i];
		const char *go_to = NULL;

		if (!rule_matches(&c, r))
			continue;
		for (int t = 0; t < r->nr_tok; t++)
			if (r->tok[t].op > OP_NOMATCH)
				token_assign(&c, r, &r->tok[t], &go_to);
		if (go_to) {
			int to = find_label(rules, i + 1, go_to);

			if (to < 0)
				fprintf(io->log, "%s:%d: GOTO \"%s\": no LABEL after it in this file, ignored\n",
					r->file, r->line, go_to);
			else
				i = to - 1;	/* the LABEL's rule is the next one looked at */
		}
	}
	return 0;
}
