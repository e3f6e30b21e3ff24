/* rng.h: the one Philox4x32-10 wrapper behind every random number of bandalign.
 *
 * A Philox block is four 32-bit words, a pure function of a 64-bit key and a 128-bit
 * counter: any rank can compute any block without drawing the ones before it, which is
 * why results do not depend on how work is spread over ranks. A stream (BaRng) is a key
 * and a counter in which one word, the block word, counts the blocks drawn; the other
 * three words name the stream. Words are used in block order v[0], v[1], v[2], v[3].
 *
 * The counter layout of each user (results depend on these bits: never change them):
 *
 *   stream          constructor          key              counter [0]  [1]     [2]     [3]
 *   permutation i   BaRngPermutation     seed lo, seed hi i lo         BLOCK   i hi    0
 *   split halves    BaRngSplitWord       seed lo, seed hi split        step    "SPLT"  word
 *   simulator       BaRngSimulator       seed, patient    channel      trial   BLOCK   stream
 *
 * BLOCK is the block word, starting at 0. The split-half generator takes one word (v[0])
 * per (split, step, word) and so has no block word. */
#ifndef BANDALIGN_RNG_H
#define BANDALIGN_RNG_H

#include <stdint.h>

typedef struct {
  uint32_t key[2], ctr[4];
  int block_word;  /* the counter word that counts blocks */
  uint32_t out[4]; /* the current block */
  int left;        /* words of out not used yet */
} BaRng;

/* One Philox4x32-10 block of (key, counter). */
void BaRngBlock(const uint32_t key[2], const uint32_t ctr[4], uint32_t out[4]);

/* A stream at block 0 of ctr[block_word] (which is set to 0). */
void BaRngInit(BaRng *r, const uint32_t key[2], const uint32_t ctr[4], int block_word);

/* The next 32-bit word of the stream. */
uint32_t BaRngNext(BaRng *r);

/* The stream of permutation `index` of the permutation test keyed by seed. */
void BaRngPermutation(BaRng *r, uint64_t seed, uint64_t index);

/* The split-half generator: word v[0] of block (seed; split, step, "SPLT", word). */
uint32_t BaRngSplitWord(uint64_t seed, uint32_t split, uint32_t step, uint32_t word);

/* The simulator's stream of (seed, patient, channel, trial, stream tag). */
void BaRngSimulator(BaRng *r, uint32_t seed, uint32_t patient, uint32_t channel, uint32_t trial, uint32_t stream);

#endif
