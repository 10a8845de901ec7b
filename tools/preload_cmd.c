// SPDX-License-Identifier: MIT
/*
 * preload_cmd.c - `memhpctl preload`: run a program with its heap on memhp
 * memory (libmemhp-preload.so, preload/preload.c).
 *
 * It sets the MEMHP_* environment from the options, puts the preload in
 * LD_PRELOAD and executes the program.  Which allocator the heap comes
 * through decides what else is preloaded: a program linked with its own
 * allocator (jemalloc, tcmalloc, mimalloc: a DT_NEEDED of the binary)
 * calls mmap through the dynamic linker, where the preload meets it; one
 * on glibc's malloc does not (glibc calls the system call from inside
 * libc), so mimalloc - Debian's libmimalloc2.0 - is preloaded after ours
 * as its malloc, with the options that keep its memory committed (no
 * PROT_NONE reservations and decommits, which would be the host's).
 */
#include <elf.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memhp/memhp.h"
#include "preload_cmd.h"

static const char *const own_allocators[] = { "libjemalloc.so", "libtcmalloc", "libmimalloc.so" };
static const char *const lib_dirs[] = { "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
					"/usr/lib64", "/usr/lib", "/usr/local/lib" };

/* PATH lookup as execvp(3) does it */
static int find_program(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH");
	char *copy, *save = NULL;

	if (strchr(name, '/')) {
		snprintf(out, len, "%s", name);
		return access(out, X_OK) ? -errno : 0;
	}
	copy = strdup(path ? path : "/usr/bin:/bin");
	if (!copy)
		return -ENOMEM;
	for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		snprintf(out, len, "%s/%s", dir, name);
		if (!access(out, X_OK)) {
			free(copy);
			return 0;
		}
	}
	free(copy);
	return -ENOENT;
}

static void *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	void *buf = NULL;

	if (!f)
		return NULL;
	if (!fstat(fileno(f), &st) && st.st_size > 0 && (buf = malloc((size_t)st.st_size)) &&
	    fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		free(buf);
		buf = NULL;
	}
	*len = buf ? (size_t)st.st_size : 0;
	fclose(f);
	return buf;
}

/* the file offset of virtual address va, through the PT_LOAD segments */
static long va_to_offset(const Elf64_Phdr *ph, int n, uint64_t va)
{
	for (int i = 0; i < n; i++)
		if (ph[i].p_type == PT_LOAD && va >= ph[i].p_vaddr && va < ph[i].p_vaddr + ph[i].p_filesz)
			return (long)(va - ph[i].p_vaddr + ph[i].p_offset);
	return -1;
}

/*
 * Does the binary bring its own allocator?  1 yes, 0 no (glibc's malloc),
 * -ENOEXEC not a dynamically linked ELF64 program (a static one has no
 * dynamic linker to preload anything into).
 */
static int has_own_allocator(const char *path)
{
	size_t len;
	uint8_t *f = read_file(path, &len);
	const Elf64_Ehdr *eh = (const void *)f;
	const Elf64_Phdr *ph;
	const Elf64_Dyn *dyn = NULL;
	long strtab = -1;
	size_t ndyn = 0;
	int ret = -ENOEXEC, interp = 0;

	if (!f || len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(*ph) > len)
		goto out;
	ph = (const void *)(f + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++) {
		interp |= ph[i].p_type == PT_INTERP;
		if (ph[i].p_type == PT_DYNAMIC && ph[i].p_offset + ph[i].p_filesz <= len) {
			dyn = (const void *)(f + ph[i].p_offset);
			ndyn = ph[i].p_filesz / sizeof(*dyn);
		}
	}
	if (!interp || !dyn)
		goto out;
	for (size_t i = 0; i < ndyn && dyn[i].d_tag != DT_NULL; i++)
		if (dyn[i].d_tag == DT_STRTAB)
			strtab = va_to_offset(ph, eh->e_phnum, dyn[i].d_un.d_ptr);
	if (strtab < 0)
		goto out;
	ret = 0;
	for (size_t i = 0; i < ndyn && dyn[i].d_tag != DT_NULL; i++) {
		size_t off = (size_t)strtab + dyn[i].d_un.d_val;

		if (dyn[i].d_tag != DT_NEEDED || off >= len || !memchr(f + off, 0, len - off))
			continue;
		for (size_t a = 0; a < sizeof(own_allocators) / sizeof(own_allocators[0]); a++)
			ret |= !strncmp((const char *)f + off, own_allocators[a], strlen(own_allocators[a]));
	}
out:
	free(f);
	return ret;
}

static int find_lib(const char *name, char *out, size_t len)
{
	for (size_t i = 0; i < sizeof(lib_dirs) / sizeof(lib_dirs[0]); i++) {
		snprintf(out, len, "%s/%s", lib_dirs[i], name);
		if (!access(out, R_OK))
			return 0;
	}
	return -ENOENT;
}

/* libmemhp-preload.so beside memhpctl (the build) or in ../lib (installed) */
static int find_preload(char *out, size_t len)
{
	char exe[PATH_MAX - 64];	/* room for the name after it */
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return -ENOENT;
	exe[n] = 0;
	slash = strrchr(exe, '/');
	if (!slash)
		return -ENOENT;
	*slash = 0;
	snprintf(out, len, "%s/libmemhp-preload.so", exe);
	if (!access(out, R_OK))
		return 0;
	snprintf(out, len, "%s/../lib/libmemhp-preload.so", exe);
	return access(out, R_OK) ? -ENOENT : 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: memhpctl [--socket PATH] preload [--dimms N x SIZE | SIZE,SIZE,...] [--mem SIZE]\n"
		   "                [--min SIZE] [--small-pages] [--cmdline 'OPTS'] [--malloc auto|mimalloc|own]\n"
		   "                -- PROGRAM [ARGS...]\n"
		   "Run PROGRAM with its heap on memhp memory: DIMMs (dimm0, dimm1, ...; default 4x1G) onlined\n"
		   "movable, boot RAM --mem (1G) for what the DIMMs cannot hold, the control socket at --socket\n"
		   "(default /tmp/memhp-preload.PID.sock): `memhpctl --socket S device del dimm0` then migrates\n"
		   "the program's live pages and removes the DIMM while it runs.  --malloc auto preloads\n"
		   "mimalloc for a program on glibc's malloc (whose mmap calls no preload can reach).\n"
		   "The heap takes 2 MiB chunks where its mappings allow (transparent huge pages, the\n"
		   "devices on a private huge tmpfs), so the host maps it with PMDs as it maps a normal\n"
		   "heap; --small-pages keeps 4 KiB pages on memfds (MEMHP_HUGE=0).\n");
}

static int set_env_size(const char *name, const char *v)
{
	uint64_t size;

	if (memhp_parse_size(v, &size) || !size) {
		fprintf(stderr, "memhpctl preload: %s: not a size\n", v);
		return 2;
	}
	setenv(name, v, 1);
	return 0;
}

int preload_command(int argc, char **argv, const char *socket)
{
	static const struct option opts[] = {
		{ "dimms", required_argument, NULL, 'd' }, { "mem", required_argument, NULL, 'm' },
		{ "min", required_argument, NULL, 'n' },   { "small-pages", no_argument, NULL, 'S' },
		{ "huge-pages", no_argument, NULL, 'H' },
		{ "cmdline", required_argument, NULL, 'c' }, { "malloc", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },	     { NULL, 0, NULL, 0 }
	};
	char prog[PATH_MAX], preload[PATH_MAX], mimalloc[PATH_MAX], ld[3 * PATH_MAX + 8];
	const char *want = "auto", *old = getenv("LD_PRELOAD");
	int c, own;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': setenv("MEMHP_DIMMS", optarg, 1); break;
		case 'm': if (set_env_size("MEMHP_MEM", optarg)) return 2; break;
		case 'n': if (set_env_size("MEMHP_MIN", optarg)) return 2; break;
		case 'S': setenv("MEMHP_HUGE", "0", 1); break;
		case 'H': setenv("MEMHP_HUGE", "1", 1); break;	/* the default; kept for scripts */
		case 'c': setenv("MEMHP_CMDLINE", optarg, 1); break;
		case 'a': want = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc || (strcmp(want, "auto") && strcmp(want, "mimalloc") && strcmp(want, "own"))) {
		usage(stderr);
		return 2;
	}
	if (find_program(argv[optind], prog, sizeof(prog))) {
		fprintf(stderr, "memhpctl preload: %s: no such program\n", argv[optind]);
		return 1;
	}
	if (find_preload(preload, sizeof(preload))) {
		fprintf(stderr, "memhpctl preload: libmemhp-preload.so is neither beside memhpctl nor in ../lib\n");
		return 1;
	}
	own = has_own_allocator(prog);
	if (own < 0) {
		fprintf(stderr, "memhpctl preload: %s is not a dynamically linked program: nothing can be preloaded\n",
			prog);
		return 1;
	}
	if (!strcmp(want, "mimalloc") || (!strcmp(want, "auto") && !own)) {
		if (find_lib("libmimalloc.so.2", mimalloc, sizeof(mimalloc))) {
			fprintf(stderr, "memhpctl preload: %s uses glibc's malloc, whose memory no preload reaches;\n"
					"  install libmimalloc2.0 to run it on memhp (or --malloc own for what mmap serves)\n",
				prog);
			return 1;
		}
		/* committed segments only: a PROT_NONE reservation would be the host's */
		setenv("MIMALLOC_EAGER_COMMIT_DELAY", "0", 0);
		setenv("MIMALLOC_ALLOW_DECOMMIT", "0", 0);
		snprintf(ld, sizeof(ld), "%s %s%s%s", preload, mimalloc, old ? " " : "", old ? old : "");
	} else {
		snprintf(ld, sizeof(ld), "%s%s%s", preload, old ? " " : "", old ? old : "");
	}
	setenv("LD_PRELOAD", ld, 1);
	if (socket)
		setenv("MEMHP_SOCKET", socket, 1);
	execv(prog, argv + optind);
	fprintf(stderr, "memhpctl preload: cannot run %s: %s\n", prog, strerror(errno));
	return 1;
}
