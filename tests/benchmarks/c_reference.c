/* The GRU kernel (grutui/dsp/kernels.py: gru) in plain C, as a speed reference.
 *
 * Same equations as the kernel: per sample, a one-pole step of the 5 parameters towards their
 * targets, then per channel
 *     z  = Wf x + Uf y1 + bf,   e = exp(-z),   f = 1 / (1 + e)
 *     fe = f^k = exp(-k log1p(e))            (k = 44100 / rate: the rate-corrected gate)
 *     y  = fe y1 + (1 - fe) tanh(Wh x + Uh f y1)
 * in double with libm's exp/log1p/tanh; a non-finite input counts as 0. Stereo, frames
 * interleaved (L R L R ...), float32 in place, as the kernel's benchmark: input uniform in
 * [-2, 2), parameters at their targets (5, 2, 2, 0.5, 0), coefficient 0.01, 48 kHz.
 *
 * Build: cc -O3 -march=native c_reference.c -o c_reference -lm
 * Run:   ./c_reference [frames]       prints "... <frames/s> frames/s"
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { CHANNELS = 2 };

/* x: frames * CHANNELS interleaved samples, processed in place; returns non-finite count. */
static long gru(float *x, long frames, double *y1, double *cur, const double *tgt, double coef,
                double k) {
    long bad = 0;
    for (long i = 0; i < frames; i++) {
        for (int p = 0; p < 5; p++) cur[p] += (tgt[p] - cur[p]) * coef;
        double wf = cur[0], wh = cur[1], uf = cur[2], uh = cur[3], bf = cur[4];
        for (int c = 0; c < CHANNELS; c++) {
            double xi = x[i * CHANNELS + c];
            if (!isfinite(xi)) { xi = 0.0; bad++; }
            double yp = y1[c];
            double e = exp(-(wf * xi + uf * yp + bf));
            double f = 1.0 / (1.0 + e);
            double fe = exp(-k * log1p(e)); /* f^k without a pow of a rounded f */
            double y = fe * yp + (1.0 - fe) * tanh(wh * xi + uh * f * yp);
            y1[c] = y;
            x[i * CHANNELS + c] = (float)y;
        }
    }
    return bad;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(int argc, char **argv) {
    long frames = argc > 1 ? atol(argv[1]) : 480000;
    float *src = malloc(sizeof(float) * frames * CHANNELS);
    float *buf = malloc(sizeof(float) * frames * CHANNELS);
    if (frames < 1 || !src || !buf) return 1;
    uint64_t s = 88172645463325252ull; /* xorshift64: uniform input in [-2, 2) */
    for (long i = 0; i < frames * CHANNELS; i++) {
        s ^= s << 13; s ^= s >> 7; s ^= s << 17;
        src[i] = (float)(4.0 * (s >> 11) / 9007199254740992.0 - 2.0);
    }
    const double tgt[5] = {5.0, 2.0, 2.0, 0.5, 0.0};
    double best = 0.0, sink = 0.0;
    for (int run = 0; run < 5; run++) { /* the best of 5 runs */
        double cur[5], y1[CHANNELS] = {0.0, 0.0};
        for (int p = 0; p < 5; p++) cur[p] = tgt[p];
        for (long i = 0; i < frames * CHANNELS; i++) buf[i] = src[i];
        double t0 = now();
        gru(buf, frames, y1, cur, tgt, 0.01, 44100.0 / 48000.0);
        double speed = frames / (now() - t0);
        if (speed > best) best = speed;
        sink += buf[frames * CHANNELS - 1];
    }
    printf("C reference (checksum %.6f): %.0f frames/s\n", sink, best);
    free(src);
    free(buf);
    return 0;
}
