#!/usr/bin/env python3
"""Writes the built-in notification sounds (ui/notificationsounds.cpp) as
small WAV files: 16 kHz, 8-bit unsigned PCM, mono, a few KB each. Only the
standard library; run it from anywhere to make them again:

    python3 resources/sounds/make-sounds.py
"""
import math
import os
import struct
import wave

RATE = 16000
HERE = os.path.dirname(os.path.abspath(__file__))


def tone(freq, seconds, decay=None, harmonics=((1, 1.0),), attack=0.005, release=0.02):
    """One note: a sum of harmonics, with a short attack and release so that
    it does not click, and an exponential decay (a bell) when asked."""
    n = int(RATE * seconds)
    out = []
    for i in range(n):
        t = i / RATE
        v = sum(a * math.sin(2 * math.pi * freq * k * t) for k, a in harmonics)
        v /= sum(a for _, a in harmonics)
        env = min(1.0, t / attack) if attack else 1.0
        env *= min(1.0, (seconds - t) / release) if release else 1.0
        if decay:
            env *= math.exp(-t / decay)
        out.append(v * env)
    return out


def silence(seconds):
    return [0.0] * int(RATE * seconds)


def write(name, samples, level=0.8):
    path = os.path.join(HERE, name + ".wav")
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)  # 8-bit PCM is unsigned, 128 is silence
        w.setframerate(RATE)
        w.writeframes(bytes(max(0, min(255, round(128 + 127 * level * s))) for s in samples))
    print(path, os.path.getsize(path), "bytes")


BELL = ((1, 1.0), (2, 0.3), (3, 0.1))

# Fixed, back: two bell notes rising (E5, then A5).
write("chime", tone(659.25, 0.16, decay=0.12, harmonics=BELL)
      + tone(880.0, 0.30, decay=0.15, harmonics=BELL))
# Failed: a low buzz, odd harmonics of 150 Hz (square-like, none past 8 kHz).
write("buzz", tone(150.0, 0.35, harmonics=tuple((k, 1.0 / k) for k in range(1, 16, 2)),
                   release=0.04), level=1.0)
# Still failing: three short beeps.
beep = tone(880.0, 0.07, harmonics=((1, 1.0), (3, 0.2)), release=0.01)
write("beeps", beep + silence(0.05) + beep + silence(0.05) + beep, level=0.8)
# Started, finished: one short high ping.
write("ping", tone(1318.5, 0.22, decay=0.07, harmonics=BELL))
# Channel down: two notes falling (A5, then D5).
write("fall", tone(880.0, 0.16, decay=0.15, harmonics=BELL)
      + tone(587.33, 0.30, decay=0.18, harmonics=BELL))
