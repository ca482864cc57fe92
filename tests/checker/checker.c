/*
 * hull-checker: runs inside a container and reports, as one JSON object on stdout, what the
 * process sees. Statically linked, so it works in any rootfs. Anything it cannot read is
 * reported as null; it never crashes on a missing /proc entry.
 *
 * usage:
 *   hull-checker                 everything (see main_report for the keys)
 *   hull-checker sleep N         sleep N seconds (fractions allowed), then exit 0
 *   hull-checker exit N          exit with status N
 *   hull-checker write PATH      try to create/append PATH; prints {"path","ok","errno","error"};
 *                                exit 0 if the write worked, 1 otherwise
 *   hull-checker wait-signal     block every catchable signal, write "ready\n" to stderr, wait for
 *                                one, print {"signal":N} and exit 0 (works as pid 1 too)
 *   hull-checker syscall NR [A..] call syscall NR with up to 6 integer arguments; prints
 *                                {"nr","ret","errno"} (errno 0 on success) and exits 0
 *   hull-checker reexec-thread   never returns: a second thread re-executes the program (same
 *                                arguments) while the main thread waits, over and over, so the
 *                                process keeps its pid and start time while its thread-group
 *                                leader reads "Z" in /proc/<pid>/stat for a moment at each execve
 *   hull-checker leader-exit     the main thread exits (pthread_exit) while a second thread sleeps
 *                                forever: the leader reads "Z" for as long as the process lives
 *
 * security battery (tests/host/security/):
 *   hull-checker syscall32 NR [A..]  the same through the i386 entry (int $0x80, x86-64 only;
 *                                elsewhere {"unsupported":true}); seccomp sees AUDIT_ARCH_I386
 *   hull-checker ptrace-watch SECS PROGRAM
 *                                for SECS seconds, try PTRACE_SEIZE (PTRACE_ATTACH's check,
 *                                no SIGSTOP) and readlink(/proc/P/fd/N)
 *                                on every other process; a success counts as "runtime" when,
 *                                with the tracee stopped (or right after the readlink), its
 *                                argv[0] is not PROGRAM (so it had not reached execve yet).
 *                                Prints {"seen","attached_program","attached_runtime",
 *                                "fd_program","fd_runtime","runtime_cmdline"}; SIGTERM ends
 *                                the watch early
 *   hull-checker exchange SECS A B [C D ...]
 *                                (run on the host) swap A with B (and C with D, ...) by
 *                                renameat2(RENAME_EXCHANGE) in a tight loop for at most SECS
 *                                seconds or until SIGTERM, leaving each pair as it was found;
 *                                prints {"swaps":N}
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char** environ;

/* ---- a tiny JSON emitter ------------------------------------------------------------------ */

#define MAX_DEPTH 16
static int first_[MAX_DEPTH];
static int depth_;

static void put_str(const char* s)
{
    putchar('"');
    for (const unsigned char* p = (const unsigned char*)s; *p; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", stdout);
            break;
        case '\\':
            fputs("\\\\", stdout);
            break;
        case '\n':
            fputs("\\n", stdout);
            break;
        case '\t':
            fputs("\\t", stdout);
            break;
        case '\r':
            fputs("\\r", stdout);
            break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                printf("\\u%04x", *p);
            else
                putchar(*p);
        }
    }
    putchar('"');
}

/* Starts a member (key != NULL, inside an object) or an element (key == NULL, in an array). */
static void member(const char* key)
{
    if (!first_[depth_])
        putchar(',');
    first_[depth_] = 0;
    if (key) {
        put_str(key);
        putchar(':');
    }
}

static void open_(const char* key, char c)
{
    if (depth_ > 0)
        member(key);
    putchar(c);
    if (depth_ < MAX_DEPTH - 1)
        depth_++;
    first_[depth_] = 1;
}
static void obj_begin(const char* key)
{
    open_(key, '{');
}
static void arr_begin(const char* key)
{
    open_(key, '[');
}
static void obj_end(void)
{
    putchar('}');
    depth_--;
}
static void arr_end(void)
{
    putchar(']');
    depth_--;
}

static void j_str(const char* key, const char* val)
{
    member(key);
    if (val)
        put_str(val);
    else
        fputs("null", stdout);
}
static void j_int(const char* key, long long val)
{
    member(key);
    printf("%lld", val);
}
static void j_bool(const char* key, int val)
{
    member(key);
    fputs(val ? "true" : "false", stdout);
}
static void j_null(const char* key)
{
    member(key);
    fputs("null", stdout);
}

/* ---- helpers -------------------------------------------------------------------------------- */

/* Reads a whole small file into a malloc'ed NUL-terminated buffer; NULL on error. */
static char* slurp(const char* path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    size_t cap = 4096, len = 0;
    char* buf = malloc(cap);
    if (!buf) {
        close(fd);
        return NULL;
    }
    for (;;) {
        if (len + 1 >= cap) {
            char* nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                close(fd);
                return NULL;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t n = read(fd, buf + len, cap - len - 1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            free(buf);
            close(fd);
            return NULL;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = '\0';
    return buf;
}

/* Value of "Key:\t..." in /proc/self/status (whitespace-trimmed), copied into out. */
static int status_field(const char* status, const char* key, char* out, size_t outlen)
{
    if (!status)
        return -1;
    size_t klen = strlen(key);
    for (const char* line = status; line && *line;) {
        const char* nl = strchr(line, '\n');
        size_t llen = nl ? (size_t)(nl - line) : strlen(line);
        if (llen > klen && strncmp(line, key, klen) == 0 && line[klen] == ':') {
            const char* v = line + klen + 1;
            while (v < line + llen && (*v == ' ' || *v == '\t'))
                v++;
            size_t vlen = (size_t)(line + llen - v);
            if (vlen >= outlen)
                vlen = outlen - 1;
            memcpy(out, v, vlen);
            out[vlen] = '\0';
            return 0;
        }
        line = nl ? nl + 1 : NULL;
    }
    return -1;
}

/* Decodes mountinfo's octal escapes (\040 etc.) in place. */
static void unescape_octal(char* s)
{
    char* w = s;
    for (char* r = s; *r;) {
        if (r[0] == '\\' && r[1] >= '0' && r[1] <= '7' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0'
            && r[3] <= '7') {
            *w++ = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
            r += 4;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
}

/* Emits a comma-separated string as a JSON array. */
static void j_csv(const char* key, char* csv)
{
    arr_begin(key);
    char* save = NULL;
    for (char* t = strtok_r(csv, ",", &save); t; t = strtok_r(NULL, ",", &save))
        j_str(NULL, t);
    arr_end();
}

/* ---- report sections ------------------------------------------------------------------------ */

static void report_ids(void)
{
    j_int("pid", getpid());
    j_int("ppid", getppid());
    j_int("uid", getuid());
    j_int("euid", geteuid());
    j_int("gid", getgid());
    j_int("egid", getegid());
    gid_t groups[NGROUPS_MAX];
    int n = getgroups(NGROUPS_MAX, groups);
    if (n < 0) {
        j_null("groups");
    } else {
        arr_begin("groups");
        for (int i = 0; i < n; i++)
            j_int(NULL, groups[i]);
        arr_end();
    }
}

static void report_names(void)
{
    struct utsname u;
    if (uname(&u) == 0) {
        j_str("hostname", u.nodename);
        j_str("domainname", u.domainname);
    } else {
        j_null("hostname");
        j_null("domainname");
    }
    char cwd[PATH_MAX];
    j_str("cwd", getcwd(cwd, sizeof cwd) ? cwd : NULL);
}

static void report_strings(const char* key, char** v)
{
    arr_begin(key);
    for (; v && *v; v++)
        j_str(NULL, *v);
    arr_end();
}

static void report_mounts(void)
{
    char* mi = slurp("/proc/self/mountinfo");
    if (!mi) {
        j_null("mounts");
        return;
    }
    arr_begin("mounts");
    char* save = NULL;
    for (char* line = strtok_r(mi, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        /* id parent major:minor root mountpoint options [optional...] - fstype source superopts */
        char* f[64];
        int nf = 0;
        char* s2 = NULL;
        for (char* t = strtok_r(line, " ", &s2); t && nf < 64; t = strtok_r(NULL, " ", &s2))
            f[nf++] = t;
        int sep = -1;
        for (int i = 6; i < nf; i++)
            if (strcmp(f[i], "-") == 0) {
                sep = i;
                break;
            }
        if (nf < 6 || sep < 0 || sep + 2 >= nf)
            continue;
        obj_begin(NULL);
        j_int("id", atoll(f[0]));
        j_int("parent", atoll(f[1]));
        unescape_octal(f[3]);
        unescape_octal(f[4]);
        j_str("root", f[3]);
        j_str("mount_point", f[4]);
        j_str("fstype", f[sep + 1]);
        unescape_octal(f[sep + 2]);
        j_str("source", f[sep + 2]);
        j_csv("options", f[5]);
        if (sep + 3 < nf)
            j_csv("super_options", f[sep + 3]);
        else
            j_null("super_options");
        arr_begin("propagation");
        for (int i = 6; i < sep; i++)
            j_str(NULL, f[i]);
        arr_end();
        obj_end();
    }
    arr_end();
    free(mi);
}

static void report_namespaces(void)
{
    static const char* const names[] = {"pid", "net", "mnt", "ipc", "uts", "user", "cgroup", "time"};
    obj_begin("namespaces");
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[64], target[256];
        snprintf(path, sizeof path, "/proc/self/ns/%s", names[i]);
        ssize_t n = readlink(path, target, sizeof target - 1);
        if (n < 0) {
            j_null(names[i]);
        } else {
            target[n] = '\0';
            j_str(names[i], target);
        }
    }
    obj_end();
}

static void report_status(const char* status)
{
    static const char* const caps[][2] = {{"inheritable", "CapInh"}, {"permitted", "CapPrm"},
        {"effective", "CapEff"}, {"bounding", "CapBnd"}, {"ambient", "CapAmb"}};
    char v[256];
    obj_begin("capabilities");
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++)
        j_str(caps[i][0], status_field(status, caps[i][1], v, sizeof v) == 0 ? v : NULL);
    obj_end();
    int nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
    if (nnp < 0)
        j_null("no_new_privs");
    else
        j_bool("no_new_privs", nnp);
    if (status_field(status, "Seccomp", v, sizeof v) == 0)
        j_int("seccomp", atoll(v));
    else
        j_null("seccomp");
    /* The umask is read from status where possible, so it is not changed even briefly. */
    if (status_field(status, "Umask", v, sizeof v) == 0) {
        j_str("umask", v);
    } else {
        mode_t m = umask(022);
        umask(m);
        snprintf(v, sizeof v, "%04o", (unsigned)m);
        j_str("umask", v);
    }
}

static void report_rlimits(void)
{
    static const struct {
        const char* name;
        int res;
    } lims[] = {
        {"RLIMIT_CPU", RLIMIT_CPU},
        {"RLIMIT_FSIZE", RLIMIT_FSIZE},
        {"RLIMIT_DATA", RLIMIT_DATA},
        {"RLIMIT_STACK", RLIMIT_STACK},
        {"RLIMIT_CORE", RLIMIT_CORE},
        {"RLIMIT_RSS", RLIMIT_RSS},
        {"RLIMIT_NPROC", RLIMIT_NPROC},
        {"RLIMIT_NOFILE", RLIMIT_NOFILE},
        {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
        {"RLIMIT_AS", RLIMIT_AS},
        {"RLIMIT_LOCKS", RLIMIT_LOCKS},
        {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
        {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
        {"RLIMIT_NICE", RLIMIT_NICE},
        {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
        {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    };
    obj_begin("rlimits");
    for (size_t i = 0; i < sizeof lims / sizeof lims[0]; i++) {
        struct rlimit rl;
        if (getrlimit(lims[i].res, &rl) != 0) {
            j_null(lims[i].name);
            continue;
        }
        obj_begin(lims[i].name);
        j_int("soft", rl.rlim_cur == RLIM_INFINITY ? -1 : (long long)rl.rlim_cur);
        j_int("hard", rl.rlim_max == RLIM_INFINITY ? -1 : (long long)rl.rlim_max);
        obj_end();
    }
    obj_end();
}

static void report_cgroup(void)
{
    char* cg = slurp("/proc/self/cgroup");
    if (!cg) {
        j_null("cgroup");
        return;
    }
    arr_begin("cgroup");
    char* save = NULL;
    for (char* line = strtok_r(cg, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        j_str(NULL, line);
    arr_end();
    free(cg);
}

static void report_fds(void)
{
    DIR* d = opendir("/proc/self/fd");
    if (!d) {
        j_null("fds");
        return;
    }
    int self = dirfd(d);
    obj_begin("fds");
    struct dirent* e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (atoi(e->d_name) == self)
            continue;
        char target[PATH_MAX];
        ssize_t n = readlinkat(self, e->d_name, target, sizeof target - 1);
        if (n < 0) {
            j_null(e->d_name);
        } else {
            target[n] = '\0';
            j_str(e->d_name, target);
        }
    }
    obj_end();
    closedir(d);
}

static void report_oom(void)
{
    char* s = slurp("/proc/self/oom_score_adj");
    if (s)
        j_int("oom_score_adj", atoll(s));
    else
        j_null("oom_score_adj");
    free(s);
}

/* The session keyring's description (KEYCTL_DESCRIBE of KEY_SPEC_SESSION_KEYRING):
 * "keyring;uid;gid;perm;name". */
static void report_keyring(void)
{
    char desc[512];
    long n = syscall(
        SYS_keyctl, 6L /* KEYCTL_DESCRIBE */, -3L /* KEY_SPEC_SESSION_KEYRING */, desc, sizeof desc);
    if (n > 0 && (size_t)n <= sizeof desc) {
        desc[sizeof desc - 1] = '\0';
        j_str("session_keyring", desc);
    } else {
        j_null("session_keyring");
    }
}

static int main_report(int argc, char** argv)
{
    /* fds first, before anything here opens a file */
    obj_begin(NULL);
    report_fds();
    report_ids();
    report_names();
    report_strings("env", environ);
    (void)argc;
    report_strings("argv", argv);
    char* status = slurp("/proc/self/status");
    report_status(status);
    free(status);
    report_namespaces();
    report_rlimits();
    report_cgroup();
    report_oom();
    report_keyring();
    report_mounts();
    obj_end();
    putchar('\n');
    return fflush(stdout) == 0 ? 0 : 1;
}

/* ---- sub-commands --------------------------------------------------------------------------- */

static int cmd_sleep(const char* arg)
{
    double secs = strtod(arg, NULL);
    if (secs < 0)
        secs = 0;
    struct timespec ts = {.tv_sec = (time_t)secs, .tv_nsec = (long)((secs - (double)(time_t)secs) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
    return 0;
}

static int cmd_write(const char* path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    int err = 0;
    if (fd < 0) {
        err = errno;
    } else {
        static const char msg[] = "hull-checker\n";
        if (write(fd, msg, sizeof msg - 1) < 0)
            err = errno;
        if (close(fd) != 0 && err == 0)
            err = errno;
    }
    obj_begin(NULL);
    j_str("path", path);
    j_bool("ok", err == 0);
    j_int("errno", err);
    j_str("error", err ? strerror(err) : NULL);
    obj_end();
    putchar('\n');
    fflush(stdout);
    return err == 0 ? 0 : 1;
}

static int cmd_wait_signal(void)
{
    sigset_t set;
    sigfillset(&set);
    sigdelset(&set, SIGKILL);
    sigdelset(&set, SIGSTOP);
    sigprocmask(SIG_BLOCK, &set, NULL);
    static const char ready[] = "ready\n";
    if (write(STDERR_FILENO, ready, sizeof ready - 1) < 0) {
        /* nobody listens; carry on */
    }
    int sig = 0;
    for (;;) {
        if (sigwait(&set, &sig) != 0)
            continue;
        if (sig == SIGCHLD || sig == SIGWINCH || sig == SIGURG)
            continue; /* noise that a runtime may legitimately pass on */
        break;
    }
    obj_begin(NULL);
    j_int("signal", sig);
    obj_end();
    putchar('\n');
    fflush(stdout);
    return 0;
}

static int cmd_syscall(int argc, char** argv)
{
    long nr = strtol(argv[2], NULL, 0);
    long a[6] = {0};
    for (int i = 3; i < argc && i < 9; ++i)
        a[i - 3] = strtol(argv[i], NULL, 0);
    errno = 0;
    long ret = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    int err = ret < 0 ? errno : 0;
    obj_begin(NULL);
    j_int("nr", nr);
    j_int("ret", ret);
    j_int("errno", err);
    obj_end();
    putchar('\n');
    fflush(stdout);
    return 0;
}

/* ---- security battery helpers ----------------------------------------------------------- */

static int cmd_syscall32(int argc, char** argv)
{
    long nr = strtol(argv[2], NULL, 0);
    long a[6] = {0};
    for (int i = 3; i < argc && i < 9; ++i)
        a[i - 3] = strtol(argv[i], NULL, 0);
    obj_begin(NULL);
    j_int("nr", nr);
#if defined(__x86_64__)
    long ret;
    /* ebx, ecx, edx, esi, edi, ebp carry the arguments; ebp is saved around the call, below the
     * red zone the compiler may be using */
    register long r9 __asm__("r9") = a[5];
    __asm__ volatile("sub $128, %%rsp\n\t"
                     "push %%rbp\n\t"
                     "mov %%r9, %%rbp\n\t"
                     "int $0x80\n\t"
                     "pop %%rbp\n\t"
                     "add $128, %%rsp"
                     : "=a"(ret)
                     : "a"(nr), "b"(a[0]), "c"(a[1]), "d"(a[2]), "S"(a[3]), "D"(a[4]), "r"(r9)
                     : "memory", "cc", "r10", "r11");
    /* the i386 ABI returns -errno in eax */
    int iret = (int)ret;
    j_int("ret", iret < 0 && iret > -4096 ? -1 : iret);
    j_int("errno", iret < 0 && iret > -4096 ? -iret : 0);
#else
    (void)a;
    j_bool("unsupported", 1);
    j_int("ret", -1);
    j_int("errno", ENOSYS);
#endif
    obj_end();
    putchar('\n');
    fflush(stdout);
    return 0;
}

static volatile sig_atomic_t stop_loop_;
static void on_stop_loop(int sig)
{
    (void)sig;
    stop_loop_ = 1;
}

static void stop_on_term(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_loop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* argv[0] of /proc/PID/cmdline, or "" */
static void proc_argv0(pid_t pid, char* out, size_t outlen)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    out[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t n = read(fd, out, outlen - 1);
    close(fd);
    out[n > 0 ? n : 0] = '\0';
}

/* Whether an fd of the process behind FDPATH (/proc/P/fd) can be reached. Root may list that
 * directory whatever the task (it is root's, mode 0500, even for a non-dumpable task); where
 * an fd leads (readlink) is what ptrace_may_access guards, dumpability included. */
static int fd_reachable(const char* fdpath)
{
    DIR* fds = opendir(fdpath);
    if (!fds)
        return 0;
    int reached = 0;
    struct dirent* f;
    while (!reached && (f = readdir(fds)) != NULL) {
        char link[PATH_MAX];
        if (f->d_name[0] != '.')
            reached = readlinkat(dirfd(fds), f->d_name, link, sizeof link) >= 0;
    }
    closedir(fds);
    return reached;
}

static int cmd_ptrace_watch(const char* secs_arg, const char* program)
{
    double deadline = now_seconds() + strtod(secs_arg, NULL);
    pid_t self = getpid();
    long seen = 0, attached_program = 0, attached_runtime = 0, fd_program = 0, fd_runtime = 0;
    char runtime_cmdline[256] = "";
    pid_t last_max = 0;
    static pid_t done[4096];
    size_t ndone = 0;
    stop_on_term();
    while (!stop_loop_ && now_seconds() < deadline) {
        DIR* d = opendir("/proc");
        if (!d)
            break;
        struct dirent* e;
        pid_t max = last_max;
        while ((e = readdir(d)) != NULL) {
            char* end;
            long v = strtol(e->d_name, &end, 10);
            if (*end != '\0' || v <= 0 || (pid_t)v == self)
                continue;
            pid_t pid = (pid_t)v;
            if (pid > max)
                max = pid;
            if (pid > last_max)
                seen++;
            /* a pid already seen running PROGRAM is done with (pid reuse aside) */
            int is_done = 0;
            for (size_t i = 0; i < sizeof done / sizeof done[0]; i++)
                if (done[i] == pid)
                    is_done = 1;
            if (is_done)
                continue;
            char argv0[256];
            char fdpath[64];
            snprintf(fdpath, sizeof fdpath, "/proc/%d/fd", (int)pid);
            if (fd_reachable(fdpath)) {
                proc_argv0(pid, argv0, sizeof argv0);
                if (argv0[0] != '\0' && strcmp(argv0, program) != 0) {
                    fd_runtime++;
                    snprintf(runtime_cmdline, sizeof runtime_cmdline, "%s", argv0);
                } else {
                    fd_program++;
                    done[ndone++ % (sizeof done / sizeof done[0])] = pid;
                }
            }
            /* PTRACE_SEIZE makes PTRACE_ATTACH's permission check without sending SIGSTOP, which
             * could outlive the detach and leave an exec'd program stopped for good */
            if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) == 0) {
                int st = 0;
                ptrace(PTRACE_INTERRUPT, pid, NULL, NULL);
                while (waitpid(pid, &st, __WALL) < 0 && errno == EINTR)
                    ;
                long sig = 0;
                if (WIFSTOPPED(st) && (st >> 16) == 0 && WSTOPSIG(st) != SIGTRAP)
                    sig = WSTOPSIG(st); /* a real signal caught on its way: hand it back */
                proc_argv0(pid, argv0, sizeof argv0);
                if (argv0[0] != '\0' && strcmp(argv0, program) != 0) {
                    attached_runtime++;
                    snprintf(runtime_cmdline, sizeof runtime_cmdline, "%s", argv0);
                } else {
                    attached_program++;
                    done[ndone++ % (sizeof done / sizeof done[0])] = pid;
                }
                ptrace(PTRACE_DETACH, pid, NULL, (void*)sig);
            }
        }
        closedir(d);
        last_max = max;
        /* reap anything we inherited as the namespace's pid 1 */
        while (waitpid(-1, NULL, WNOHANG) > 0)
            ;
        /* a joining process spends milliseconds in the runtime's code: 100 us between passes
         * still sees every one of them without starving the machine */
        struct timespec pause = {0, 100000};
        nanosleep(&pause, NULL);
    }
    obj_begin(NULL);
    j_int("seen", seen);
    j_int("attached_program", attached_program);
    j_int("attached_runtime", attached_runtime);
    j_int("fd_program", fd_program);
    j_int("fd_runtime", fd_runtime);
    j_str("runtime_cmdline", runtime_cmdline);
    obj_end();
    putchar('\n');
    fflush(stdout);
    return 0;
}

static int cmd_exchange(int argc, char** argv)
{
    /* argv: exchange SECS A B [C D ...] */
    stop_on_term();
    double deadline = now_seconds() + strtod(argv[2], NULL);
    int npairs = (argc - 3) / 2;
    long swaps = 0;
    long* per = calloc((size_t)npairs, sizeof *per);
    if (!per)
        return 1;
    while (!stop_loop_) {
        for (int i = 0; i < npairs; i++) {
            const char* a = argv[3 + 2 * i];
            const char* b = argv[4 + 2 * i];
            if (syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, 2 /* RENAME_EXCHANGE */) == 0) {
                swaps++;
                per[i]++;
            }
        }
        if ((swaps & 1023) == 0 && now_seconds() >= deadline)
            break;
    }
    /* leave every pair as it was found */
    for (int i = 0; i < npairs; i++)
        if (per[i] & 1)
            syscall(SYS_renameat2, AT_FDCWD, argv[3 + 2 * i], AT_FDCWD, argv[4 + 2 * i], 2);
    free(per);
    obj_begin(NULL);
    j_int("swaps", swaps);
    obj_end();
    putchar('\n');
    fflush(stdout);
    return 0;
}

static char** reexec_argv_;

static void* reexec_thread(void* arg)
{
    (void)arg;
    execv("/proc/self/exe", reexec_argv_);
    _exit(127);
}

static int cmd_reexec_thread(char** argv)
{
    reexec_argv_ = argv;
    pthread_t t;
    if (pthread_create(&t, NULL, reexec_thread, NULL) != 0)
        return 1;
    for (;;)
        pause();
}

static void* sleep_thread(void* arg)
{
    (void)arg;
    while (pause() < 0 && errno == EINTR) { }
    return NULL;
}

static int cmd_leader_exit(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, sleep_thread, NULL) != 0)
        return 1;
    pthread_exit(NULL);
}

int main(int argc, char** argv)
{
    if (argc >= 2) {
        const char* cmd = argv[1];
        if (strcmp(cmd, "sleep") == 0 && argc >= 3)
            return cmd_sleep(argv[2]);
        if (strcmp(cmd, "exit") == 0 && argc >= 3)
            return atoi(argv[2]) & 0xff;
        if (strcmp(cmd, "write") == 0 && argc >= 3)
            return cmd_write(argv[2]);
        if (strcmp(cmd, "wait-signal") == 0)
            return cmd_wait_signal();
        if (strcmp(cmd, "syscall") == 0 && argc >= 3)
            return cmd_syscall(argc, argv);
        if (strcmp(cmd, "syscall32") == 0 && argc >= 3)
            return cmd_syscall32(argc, argv);
        if (strcmp(cmd, "ptrace-watch") == 0 && argc >= 4)
            return cmd_ptrace_watch(argv[2], argv[3]);
        if (strcmp(cmd, "exchange") == 0 && argc >= 5 && argc % 2 == 1)
            return cmd_exchange(argc, argv);
        if (strcmp(cmd, "reexec-thread") == 0)
            return cmd_reexec_thread(argv);
        if (strcmp(cmd, "leader-exit") == 0)
            return cmd_leader_exit();
        if (strcmp(cmd, "report") != 0) {
            fprintf(stderr,
                "usage: %s [report | sleep N | exit N | write PATH | wait-signal | syscall NR [ARGS]"
                " | syscall32 NR [ARGS] | ptrace-watch SECS PROGRAM | exchange SECS A B [C D...]"
                " | reexec-thread | leader-exit]\n",
                argv[0]);
            return 2;
        }
    }
    return main_report(argc, argv);
}
