/* Inflate: a raw DEFLATE (RFC 1951) decoder for the embedded JS of an
 * EVLOOP_COMPRESSED_JS build (tools/amalgamate.py compresses it with zlib
 * and checks the round trip). Small rather than fast: canonical Huffman
 * codes decoded a bit at a time (about 10 instructions per compressed bit:
 * ~0.3M instructions for the ECMAScript loop's 3.7 KB), no tables beyond
 * the two code-length histograms on the stack. The input is our own, but
 * every read and write is bounds-checked: a corrupt stream makes inflate()
 * return false, never read or write out of bounds. */
#pragma once
#include "../api/config.hpp"

namespace evloop {
namespace detail {

struct InflateState {
  const uint8_t* in;
  size_t in_len, in_pos;
  uint32_t bit_buf;
  int bit_count;
  uint8_t* out;
  size_t out_len, out_pos;
  bool bad;
};

/* A canonical Huffman code: how many codes of each length, and the symbols
 * in code order. */
struct HuffmanCode {
  int16_t count[16];
  int16_t symbol[288];
};

inline int inflate_bits(InflateState& s, int need) {
  uint32_t v = s.bit_buf;
  while (s.bit_count < need) {
    if (s.in_pos >= s.in_len) {
      s.bad = true;
      return 0;
    }
    v |= static_cast<uint32_t>(s.in[s.in_pos++]) << s.bit_count;
    s.bit_count += 8;
  }
  s.bit_buf = v >> need;
  s.bit_count -= need;
  return static_cast<int>(v & ((1u << need) - 1));
}

/* Builds h from n code lengths; false if the lengths over-subscribe. */
inline bool inflate_build(HuffmanCode& h, const uint8_t* lengths, int n) {
  int16_t offsets[16];
  for (int i = 0; i < 16; i++) h.count[i] = 0;
  for (int i = 0; i < n; i++) h.count[lengths[i]]++;
  int left = 1;
  for (int len = 1; len < 16; len++) {
    left = (left << 1) - h.count[len];
    if (left < 0) return false;
  }
  offsets[1] = 0;
  for (int len = 1; len < 15; len++) offsets[len + 1] = static_cast<int16_t>(offsets[len] + h.count[len]);
  for (int i = 0; i < n; i++)
    if (lengths[i]) h.symbol[offsets[lengths[i]]++] = static_cast<int16_t>(i);
  return true;
}

/* The next symbol of code h (-1: corrupt). Codes are stored MSB first. */
inline int inflate_decode(InflateState& s, const HuffmanCode& h) {
  int code = 0, first = 0, index = 0;
  for (int len = 1; len < 16; len++) {
    code |= inflate_bits(s, 1);
    int count = h.count[len];
    if (code - count < first) return s.bad ? -1 : h.symbol[index + (code - first)];
    index += count;
    first = (first + count) << 1;
    code <<= 1;
  }
  return -1;
}

/* One block's literal/length and distance symbols until end-of-block. */
inline bool inflate_codes(InflateState& s, const HuffmanCode& lit, const HuffmanCode& dist) {
  static const uint16_t len_base[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                        31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
  static const uint8_t len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                        2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
  static const uint16_t dist_base[30] = {1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
                                         193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
  for (;;) {
    int sym = inflate_decode(s, lit);
    if (sym < 0) return false;
    if (sym < 256) {
      if (s.out_pos >= s.out_len) return false;
      s.out[s.out_pos++] = static_cast<uint8_t>(sym);
      continue;
    }
    if (sym == 256) return true;
    sym -= 257;
    if (sym >= 29) return false;
    size_t len = len_base[sym] + static_cast<size_t>(inflate_bits(s, len_extra[sym]));
    int d = inflate_decode(s, dist);
    if (d < 0 || d >= 30) return false;
    size_t distance = dist_base[d] + static_cast<size_t>(inflate_bits(s, d < 4 ? 0 : (d - 2) >> 1));
    if (s.bad || distance > s.out_pos || len > s.out_len - s.out_pos) return false;
    for (; len; len--, s.out_pos++) s.out[s.out_pos] = s.out[s.out_pos - distance];
  }
}

/* Decompresses in[0..in_len) into exactly out_len bytes at out. */
inline bool inflate(const uint8_t* in, size_t in_len, uint8_t* out, size_t out_len) {
  InflateState s = {in, in_len, 0, 0, 0, out, out_len, 0, false};
  HuffmanCode lit, dist;
  uint8_t lengths[288 + 32];
  int last;
  do {
    last = inflate_bits(s, 1);
    int type = inflate_bits(s, 2);
    if (type == 0) { /* stored: byte-aligned LEN, NLEN, then the bytes */
      s.bit_buf = 0;
      s.bit_count = 0;
      if (s.in_len - s.in_pos < 4) return false;
      size_t len = s.in[s.in_pos] | (static_cast<size_t>(s.in[s.in_pos + 1]) << 8);
      size_t nlen = s.in[s.in_pos + 2] | (static_cast<size_t>(s.in[s.in_pos + 3]) << 8);
      s.in_pos += 4;
      if (len != (~nlen & 0xffff) || len > s.in_len - s.in_pos || len > s.out_len - s.out_pos) return false;
      memcpy(s.out + s.out_pos, s.in + s.in_pos, len);
      s.in_pos += len;
      s.out_pos += len;
      continue;
    }
    int nlit = 288, ndist = 30;
    if (type == 1) { /* fixed codes */
      for (int i = 0; i < 288; i++) lengths[i] = i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8;
      for (int i = 0; i < 30; i++) lengths[288 + i] = 5;
    } else if (type == 2) { /* dynamic: code lengths of the code lengths first */
      static const uint8_t order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
      nlit = inflate_bits(s, 5) + 257;
      ndist = inflate_bits(s, 5) + 1;
      int ncode = inflate_bits(s, 4) + 4;
      if (nlit > 286 || ndist > 30) return false;
      for (int i = 0; i < 19; i++) lengths[order[i]] = 0;
      for (int i = 0; i < ncode; i++) lengths[order[i]] = static_cast<uint8_t>(inflate_bits(s, 3));
      if (!inflate_build(lit, lengths, 19)) return false;
      for (int i = 0; i < nlit + ndist;) {
        int sym = inflate_decode(s, lit);
        if (sym < 0) return false;
        if (sym < 16) {
          lengths[i < nlit ? i : 288 + i - nlit] = static_cast<uint8_t>(sym);
          i++;
          continue;
        }
        int repeat, value = 0;
        if (sym == 16) {
          if (i == 0) return false;
          value = lengths[i - 1 < nlit ? i - 1 : 288 + i - 1 - nlit];
          repeat = 3 + inflate_bits(s, 2);
        } else {
          repeat = sym == 17 ? 3 + inflate_bits(s, 3) : 11 + inflate_bits(s, 7);
        }
        if (i + repeat > nlit + ndist) return false;
        for (; repeat; repeat--, i++) lengths[i < nlit ? i : 288 + i - nlit] = static_cast<uint8_t>(value);
      }
    } else {
      return false;
    }
    if (!inflate_build(lit, lengths, nlit) || !inflate_build(dist, lengths + 288, ndist)) return false;
    if (!inflate_codes(s, lit, dist)) return false;
  } while (!last && !s.bad);
  return !s.bad && s.out_pos == s.out_len;
}

} /* namespace detail */
} /* namespace evloop */
