/* The floor for reading a capture: pcap_next_ex over every packet (ns precision), touching
   the bytes. Prints "<packets> <seconds>". Built and run by scripts/bench_pcap.sh.
   With a second argument "bigbuf" the file is opened the way nodesleuth opens it: fopen with a
   1 MiB stdio buffer, then pcap_fopen_offline (libpcap's own open reads 4 KiB at a time). */
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
int main(int argc, char **argv) {
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p;
    if (argc > 2 && strcmp(argv[2], "bigbuf") == 0) {
        FILE *f = fopen(argv[1], "rb");
        if (!f) { perror(argv[1]); return 2; }
        static char buf[1 << 20];   /* glibc ignores the size without a buffer */
        setvbuf(f, buf, _IOFBF, sizeof buf);
        p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, err);
    } else {
        p = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, err);
    }
    if (!p) { fprintf(stderr, "%s\n", err); return 2; }
    struct pcap_pkthdr *h; const u_char *d;
    long n = 0; unsigned long sum = 0;
    while (pcap_next_ex(p, &h, &d) == 1) { n++; sum += d[h->caplen / 2]; }
    pcap_close(p);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%ld %.6f\n", n, (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
    return sum == 0xFFFFFFFF;
}
