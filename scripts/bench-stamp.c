/* The browser stand-in's clock for scripts/bench.sh: appends the time (ns since the epoch) to
 * the file argv[1], then, given a command after it, becomes that command. Compiled static by
 * bench.sh so the stamp is taken within microseconds of the exec that started it: the time
 * before it (runas spawning the browser command, the kernel's exec) is runas's, and everything
 * after it (the shell starting, curl) is the browser's. A `$(date +%s%N)` at the top of a
 * shell script stamped only after the shell and a forked `date` had started, charging their
 * start-up to runas. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    struct timespec now;
    if (argc < 2 || clock_gettime(CLOCK_REALTIME, &now) != 0) return 2;
    FILE *times = fopen(argv[1], "a");
    if (times == NULL) return 2;
    fprintf(times, "%lld%09ld\n", (long long)now.tv_sec, now.tv_nsec);
    if (fclose(times) != 0) return 2;
    if (argc > 2) {
        execv(argv[2], argv + 2);
        return 127;
    }
    return 0;
}
