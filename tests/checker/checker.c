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
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/utsname.h>
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
        if (strcmp(cmd, "report") != 0) {
            fprintf(stderr,
                "usage: %s [report | sleep N | exit N | write PATH | wait-signal | syscall NR [ARGS]]\n",
                argv[0]);
            return 2;
        }
    }
    return main_report(argc, argv);
}
