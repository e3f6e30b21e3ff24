/* rng.c: Philox4x32-10 streams (Random123); the counter layouts are documented in rng.h. */
#include <bandalign/rng.h>
#include <Random123/philox.h>

/* "SPLT": stream tag of the split-half generator in the third counter word. */
#define SPLIT_STREAM 0x53504c54u

void BaRngBlock(const uint32_t key[2], const uint32_t ctr[4], uint32_t out[4])
{
  const philox4x32_key_t k = {{key[0], key[1]}};
  const philox4x32_ctr_t c = {{ctr[0], ctr[1], ctr[2], ctr[3]}};
  const philox4x32_ctr_t o = philox4x32(c, k);

  for (int i = 0; i < 4; i++)
    out[i] = o.v[i];
}

void BaRngInit(BaRng *r, const uint32_t key[2], const uint32_t ctr[4], int block_word)
{
  r->key[0] = key[0];
  r->key[1] = key[1];
  for (int i = 0; i < 4; i++)
    r->ctr[i] = ctr[i];
  r->block_word      = block_word;
  r->ctr[block_word] = 0;
  r->left            = 0;
}

uint32_t BaRngNext(BaRng *r)
{
  if (!r->left) {
    BaRngBlock(r->key, r->ctr, r->out);
    r->ctr[r->block_word]++;
    r->left = 4;
  }
  return r->out[4 - r->left--];
}

void BaRngPermutation(BaRng *r, uint64_t seed, uint64_t index)
{
  const uint32_t key[2] = {(uint32_t)(seed & 0xffffffffu), (uint32_t)(seed >> 32)};
  const uint32_t ctr[4] = {(uint32_t)(index & 0xffffffffu), 0, (uint32_t)(index >> 32), 0};

  BaRngInit(r, key, ctr, 1);
}

uint32_t BaRngSplitWord(uint64_t seed, uint32_t split, uint32_t step, uint32_t word)
{
  const uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
  const uint32_t ctr[4] = {split, step, SPLIT_STREAM, word};
  uint32_t out[4];

  BaRngBlock(key, ctr, out);
  return out[0];
}

void BaRngSimulator(BaRng *r, uint32_t seed, uint32_t patient, uint32_t channel, uint32_t trial, uint32_t stream)
{
  const uint32_t key[2] = {seed, patient};
  const uint32_t ctr[4] = {channel, trial, 0, stream};

  BaRngInit(r, key, ctr, 2);
}
