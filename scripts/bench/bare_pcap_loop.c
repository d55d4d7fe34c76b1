/* The floor for reading a capture: pcap_next_ex over every packet (ns precision), touching
   the bytes. Prints "<packets> <seconds>". Built and run by scripts/bench_pcap.sh. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <time.h>
int main(int argc, char **argv) {
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, err);
    if (!p) { fprintf(stderr, "%s\n", err); return 2; }
    struct pcap_pkthdr *h; const u_char *d;
    long n = 0; unsigned long sum = 0;
    while (pcap_next_ex(p, &h, &d) == 1) { n++; sum += d[h->caplen / 2]; }
    pcap_close(p);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%ld %.6f\n", n, (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
    return sum == 0xFFFFFFFF;
}
