// SPDX-License-Identifier: MIT
/*
 * params.c - the kernel's string parsers and the memory_hotplug parameters.
 *
 * Every user-visible string goes through one of the kernel's own parsers,
 * reproduced rule for rule (lib/kstrtox.c, lib/string_helpers.c), because
 * tools depend on their quirks: kstrtobool looks at the first character only
 * ("yes", "1xyz" are true), kstrtoull takes one trailing newline and a
 * leading '+', base 0 detects 0x and octal, overflow is -ERANGE before junk
 * is -EINVAL.
 *
 * The parameters are those of mm/memory_hotplug.c: memmap_on_memory (boot
 * only, 0444 at run time), online_policy, auto_movable_ratio,
 * auto_movable_numa_aware, plus the early parameters movable_node,
 * memhp_default_state= and mem=.  Boot-time errors are logged with the
 * kernel's wording (kernel/params.c:parse_args); memhp_default_state= with
 * a bad value is silently ignored, as the kernel's __setup handler does.
 */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const char *const online_type_to_str[4] = {
	[MEMHP_MMOP_OFFLINE] = "offline",
	[MEMHP_MMOP_ONLINE] = "online",
	[MEMHP_MMOP_ONLINE_KERNEL] = "online_kernel",
	[MEMHP_MMOP_ONLINE_MOVABLE] = "online_movable",
};

static const char *const online_policy_to_str[] = {
	[ONLINE_POLICY_CONTIG_ZONES] = "contig-zones",
	[ONLINE_POLICY_AUTO_MOVABLE] = "auto-movable",
};

int kstrtobool(const char *s, bool *res)
{
	if (!s)
		return -EINVAL;
	switch (s[0]) {
	case 'y': case 'Y': case 't': case 'T': case '1':
		*res = true;
		return 0;
	case 'n': case 'N': case 'f': case 'F': case '0':
		*res = false;
		return 0;
	case 'o': case 'O':
		switch (s[1]) {
		case 'n': case 'N':
			*res = true;
			return 0;
		case 'f': case 'F':
			*res = false;
			return 0;
		}
		break;
	}
	return -EINVAL;
}

static int parse_ull(const char *s, unsigned int base, unsigned long long *res)
{
	unsigned long long v = 0;
	bool overflow = false;
	const char *p;

	if (base == 0) {
		if (s[0] == '0' && tolower((unsigned char)s[1]) == 'x' && isxdigit((unsigned char)s[2]))
			base = 16;
		else if (s[0] == '0')
			base = 8;
		else
			base = 10;
	}
	if (base == 16 && s[0] == '0' && tolower((unsigned char)s[1]) == 'x')
		s += 2;
	for (p = s; *p; p++) {
		unsigned int d;

		if (isdigit((unsigned char)*p))
			d = (unsigned int)(*p - '0');
		else if (isalpha((unsigned char)*p))
			d = (unsigned int)(tolower((unsigned char)*p) - 'a' + 10);
		else
			break;
		if (d >= base)
			break;
		if (v > (ULLONG_MAX - d) / base)
			overflow = true;
		v = v * base + d;
	}
	if (overflow)
		return -ERANGE;
	if (p == s)
		return -EINVAL;
	if (*p == '\n')
		p++;
	if (*p)
		return -EINVAL;
	*res = v;
	return 0;
}

int kstrtoull(const char *s, unsigned int base, unsigned long long *res)
{
	if (s[0] == '+')
		s++;
	return parse_ull(s, base, res);
}

int kstrtouint(const char *s, unsigned int base, unsigned int *res)
{
	unsigned long long v;
	int ret = kstrtoull(s, base, &v);

	if (ret)
		return ret;
	if (v > UINT_MAX)
		return -ERANGE;
	*res = (unsigned int)v;
	return 0;
}

int kstrtoint(const char *s, unsigned int base, int *res)
{
	unsigned long long v;
	int ret;

	if (s[0] == '-') {
		ret = parse_ull(s + 1, base, &v);
		if (ret)
			return ret;
		if (v > (unsigned long long)INT_MAX + 1)
			return -ERANGE;
		*res = (int)(-(long long)v);
		return 0;
	}
	ret = kstrtoull(s, base, &v);
	if (ret)
		return ret;
	if (v > INT_MAX)
		return -ERANGE;
	*res = (int)v;
	return 0;
}

bool sysfs_streq(const char *s1, const char *s2)
{
	while (*s1 && *s1 == *s2) {
		s1++;
		s2++;
	}
	if (*s1 == *s2)
		return true;
	if (!*s1 && *s2 == '\n' && !s2[1])
		return true;
	if (*s1 == '\n' && !s1[1] && !*s2)
		return true;
	return false;
}

int mhp_online_type_from_str(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (sysfs_streq(s, online_type_to_str[i]))
			return i;
	return -EINVAL;
}

/*
 * lib/cmdline.c:memparse: a number in C's base syntax (0x.., 0..) with an
 * optional K/M/G/T/P/E suffix.  Where the kernel's shift silently wraps,
 * a size that does not fit 64 bits is refused.
 */
static int memparse(const char *s, uint64_t *out, char **endp)
{
	static const char suffixes[] = "KMGTPE";
	unsigned int shift = 0;
	unsigned long long v;
	const char *unit;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -EINVAL;
	unit = *end ? strchr(suffixes, toupper((unsigned char)*end)) : NULL;
	if (unit) {
		shift = 10 * (unsigned int)(unit - suffixes + 1);
		end++;
	}
	if (shift && v > (ULLONG_MAX >> shift))
		return -ERANGE;
	*out = v << shift;
	*endp = end;
	return 0;
}

int parse_memsize(const char *s, uint64_t *out)
{
	char *end;
	uint64_t v;

	if (memparse(s, &v, &end))
		return -EINVAL;
	/* scenario files say "128MiB" or "1GB" too; "4iB" is no size */
	if ((*end == 'i' || *end == 'I') && end > s && isalpha((unsigned char)end[-1]))
		end++;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

/*
 * memmap=nn%ss[-old]+new (parse_memmap_one's type conversion), the one
 * conversion memhp has: to E820_TYPE_SOFT_RESERVED, from RAM or from
 * whatever is there (no -old) - EFI soft-reserved memory, as efi_fake_mem
 * or firmware would mark it, for dax_hmem.  *end past it; false if not it.
 */
static bool parse_memmap_soft_reserved(const char *p, char **end)
{
	unsigned long long from = 0, to = 0;
	char num[32];
	size_t n;

	if (*p == '-') {
		n = strspn(p + 1, "0123456789abcdefABCDEFxX");
		if (!n || n >= sizeof(num))
			return false;
		memcpy(num, p + 1, n);
		num[n] = '\0';
		if (kstrtoull(num, 0, &from))
			return false;
		p += n + 1;
	}
	if (*p != '+')
		return false;
	n = strspn(p + 1, "0123456789abcdefABCDEFxX");
	if (!n || n >= sizeof(num))
		return false;
	memcpy(num, p + 1, n);
	num[n] = '\0';
	if (kstrtoull(num, 0, &to))
		return false;
	*end = (char *)p + n + 1;
	return to == E820_TYPE_SOFT_RESERVED && (!from || from == 1 /* E820_TYPE_RAM */);
}

/*
 * arch/x86/kernel/e820.c:parse_memmap_one, the forms that take RAM away:
 * nn!ss (legacy persistent memory), nn$ss (reserved), nn#ss (ACPI data),
 * nn%ss+0xefffffff (soft reserved).  Several may be given, comma
 * separated or repeated.
 */
static void parse_memmap_opt(struct memhp_machine *m, const char *val)
{
	const char *p = val;

	while (p && *p) {
		struct e820_user u;
		uint64_t size, start;
		char *end;
		char kind;

		/* *end may be the terminator, which strchr finds too */
		if (memparse(p, &size, &end) || !*end || !strchr("!$#%", *end))
			goto unsupported;
		kind = *end;
		if (memparse(end + 1, &start, &end))
			goto unsupported;
		if (kind == '%' && !parse_memmap_soft_reserved(end, &end))
			goto unsupported;
		if ((*end && *end != ',') || !size || m->params.nr_e820_user >= E820_USER_MAX)
			goto unsupported;
		u.start = start;
		u.size = size;
		u.type = kind == '!' ? E820_USER_PRAM : kind == '$' ? E820_USER_RESERVED
			: kind == '#' ? E820_USER_ACPI : E820_USER_SOFT_RESERVED;
		u.nid = 0;
		m->params.e820_user[m->params.nr_e820_user++] = u;
		p = *end ? end + 1 : NULL;
	}
	return;
unsupported:
	mlog(m, "memmap=%s not supported by memhp (only nn!ss, nn$ss, nn#ss, nn%%ss+0xefffffff)", val);
}

void params_init_defaults(struct mhp_params *p)
{
	memset(p, 0, sizeof(*p));
	p->memmap_mode = MEMMAP_ON_MEMORY_DISABLE;
	p->online_policy = ONLINE_POLICY_CONTIG_ZONES;
	p->auto_movable_ratio = 301;
	p->auto_movable_numa_aware = true;
	/* Debian's 6.12 config: MHP_DEFAULT_ONLINE_TYPE_ONLINE_AUTO */
	p->default_online_type = MEMHP_MMOP_ONLINE;
}

/* kernel/params.c:parameqn - and _ are the same character in names */
static bool parameqn(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char ca = a[i] == '-' ? '_' : a[i], cb = b[i] == '-' ? '_' : b[i];

		if (ca != cb)
			return false;
		if (!ca)
			return true;
	}
	return true;
}

static bool parameq(const char *a, const char *b)
{
	return parameqn(a, b, MAX(strlen(a), strlen(b)) + 1);
}

static int set_memmap_mode(struct memhp_machine *m, const char *val)
{
	enum memmap_mode mode;
	bool enabled;

	if (!val)
		return -EINVAL;
	if (sysfs_streq(val, "force") || sysfs_streq(val, "FORCE")) {
		mode = MEMMAP_ON_MEMORY_FORCE;
	} else {
		if (kstrtobool(val, &enabled))
			return -EINVAL;
		mode = enabled ? MEMMAP_ON_MEMORY_ENABLE : MEMMAP_ON_MEMORY_DISABLE;
	}
	m->params.memmap_mode = mode;
	if (mode == MEMMAP_ON_MEMORY_FORCE && !m->force_waste_logged) {
		/* pr_info_once: the waste of the pageblock padding */
		m->force_waste_logged = true;
		m->params.memmap_mode = mode;
		mlog(m, "Memory hotplug will waste %ld pages in each memory block",
		     (long)(memory_block_memmap_on_memory_pages(m) -
			    PFN_UP_M(m, memory_block_memmap_size(m))));
	}
	return 0;
}

/*
 * Sets a memory_hotplug module parameter by name.  `val` may be NULL (a bare
 * parameter on the command line); only the bool accepts that.
 */
int param_set(struct memhp_machine *m, const char *name, const char *val)
{
	int ret = 0, i;
	unsigned int u;
	bool b;

	pthread_mutex_lock(&m->param_lock);
	if (parameq(name, "memmap_on_memory")) {
		ret = set_memmap_mode(m, val);
	} else if (parameq(name, "online_policy")) {
		ret = -EINVAL;
		for (i = 0; val && i < (int)ARRAY_SIZE(online_policy_to_str); i++) {
			if (sysfs_streq(val, online_policy_to_str[i])) {
				m->params.online_policy = (enum online_policy)i;
				ret = 0;
				break;
			}
		}
	} else if (parameq(name, "auto_movable_ratio")) {
		ret = val ? kstrtouint(val, 0, &u) : -EINVAL;
		if (!ret)
			m->params.auto_movable_ratio = u;
	} else if (parameq(name, "auto_movable_numa_aware")) {
		/* param_set_bool: no value means true (KERNEL_PARAM_OPS_FL_NOARG) */
		ret = val ? kstrtobool(val, &b) : (b = true, 0);
		if (!ret)
			m->params.auto_movable_numa_aware = b;
	} else {
		ret = -ENOENT;
	}
	pthread_mutex_unlock(&m->param_lock);
	return ret;
}

int param_get(struct memhp_machine *m, const char *name, char *buf, size_t len)
{
	int n = -ENOENT;

	pthread_mutex_lock(&m->param_lock);
	if (!strcmp(name, "memmap_on_memory")) {
		if (m->params.memmap_mode == MEMMAP_ON_MEMORY_FORCE)
			n = snprintf(buf, len, "force\n");
		else
			n = snprintf(buf, len, "%c\n", m->params.memmap_mode ? 'Y' : 'N');
	} else if (!strcmp(name, "online_policy")) {
		n = snprintf(buf, len, "%s\n", online_policy_to_str[m->params.online_policy]);
	} else if (!strcmp(name, "auto_movable_ratio")) {
		n = snprintf(buf, len, "%u\n", m->params.auto_movable_ratio);
	} else if (!strcmp(name, "auto_movable_numa_aware")) {
		n = snprintf(buf, len, "%c\n", m->params.auto_movable_numa_aware ? 'Y' : 'N');
	}
	pthread_mutex_unlock(&m->param_lock);
	return n;
}

/* lib/cmdline.c:next_arg: one "param[=value]" with double quotes honoured */
static char *next_arg(char *args, char **param, char **val)
{
	bool in_quote = false, quoted = false;
	size_t i, equals = 0;
	char *next;

	if (*args == '"') {
		args++;
		in_quote = true;
		quoted = true;
	}
	for (i = 0; args[i]; i++) {
		if (isspace((unsigned char)args[i]) && !in_quote)
			break;
		if (equals == 0 && args[i] == '=')
			equals = i;
		if (args[i] == '"')
			in_quote = !in_quote;
	}
	*param = args;
	if (!equals) {
		*val = NULL;
	} else {
		args[equals] = '\0';
		*val = args + equals + 1;
		if (**val == '"') {
			(*val)++;
			if (args[i - 1] == '"')
				args[i - 1] = '\0';
		}
	}
	if (quoted && i > 0 && args[i - 1] == '"')
		args[i - 1] = '\0';
	if (args[i]) {
		args[i] = '\0';
		next = args + i + 1;
	} else {
		next = args + i;
	}
	while (isspace((unsigned char)*next))
		next++;
	return next;
}

void params_parse_cmdline(struct memhp_machine *m, const char *cmdline, bool early)
{
	char *copy, *args, *param, *val;
	static const char modprefix[] = "memory_hotplug.";

	if (!cmdline)
		return;
	copy = strdup(cmdline);
	if (!copy)
		return;
	args = copy;
	while (isspace((unsigned char)*args))
		args++;
	while (*args) {
		int ret;

		args = next_arg(args, &param, &val);
		/* parse_early_param: memmap= shapes e820 before anything else */
		if (early != !strcmp(param, "memmap"))
			continue;
		if (parameqn(param, modprefix, sizeof(modprefix) - 1)) {
			ret = param_set(m, param + sizeof(modprefix) - 1, val);
			if (ret == -ENOENT)
				mlog(m, "Booting kernel: Unknown parameter `%s'", param);
			else if (ret)
				mlog(m, "Booting kernel: `%s' invalid for parameter `%s'",
				     val ? val : "", param);
		} else if (parameq(param, "movable_node")) {
			m->params.movable_node = true;
		} else if (parameq(param, "memhp_default_state") && val) {
			int t = mhp_online_type_from_str(val);

			if (t >= 0)	/* a bad value is silently ignored */
				m->params.default_online_type = t;
		} else if (!strcmp(param, "mem") && val) {
			uint64_t v;

			if (!parse_memsize(val, &v))
				m->params.max_mem_size = v;
		} else if (parameq(param, "memhp.kernel_alloc_pages") && val) {
			unsigned long long v;

			if (!kstrtoull(val, 0, &v))
				m->kernel_alloc_pages = (unsigned long)v;
			else
				mlog(m, "Booting kernel: `%s' invalid for parameter `%s'", val, param);
		} else if (!strcmp(param, "memmap") && val) {
			parse_memmap_opt(m, val);
		} else if (parameq(param, "acpi_no_memhotplug")) {
			m->params.acpi_no_memhotplug = true;
		}
	}
	free(copy);
}
