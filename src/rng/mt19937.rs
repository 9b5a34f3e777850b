//! The Mersenne Twister MT19937 engine as PyTorch's CPU generator runs it
//! (`aten/src/ATen/core/MT19937RNGEngine.h`): seeded from the low 32 bits of the seed with
//! Knuth's multiplier, its 32-bit output stream equals C++'s `std::mt19937(seed32)`.

const N: usize = 624;
const M: usize = 397;
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER_MASK: u32 = 0x8000_0000;
const LOWER_MASK: u32 = 0x7fff_ffff;

#[derive(Clone)]
pub(crate) struct Mt19937 {
    state: [u32; N],
    next: usize,
}

impl std::fmt::Debug for Mt19937 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Mt19937 {{ next: {} }}", self.next)
    }
}

impl Mt19937 {
    /// `torch.manual_seed(seed)`: only the low 32 bits count.
    pub(crate) fn new(seed: u64) -> Mt19937 {
        let mut state = [0u32; N];
        state[0] = seed as u32;
        for j in 1..N {
            let prev = state[j - 1];
            state[j] = 1_812_433_253u32.wrapping_mul(prev ^ (prev >> 30)).wrapping_add(j as u32);
        }
        Mt19937 { state, next: N }
    }

    fn twist(&mut self) {
        let s = &mut self.state;
        for i in 0..N {
            let y = (s[i] & UPPER_MASK) | (s[(i + 1) % N] & LOWER_MASK);
            let mag = if y & 1 == 1 { MATRIX_A } else { 0 };
            s[i] = s[(i + M) % N] ^ (y >> 1) ^ mag;
        }
        self.next = 0;
    }

    /// The engine's state: its 624 words and the position of the next one.
    pub(crate) fn state(&self) -> (&[u32], usize) {
        (&self.state, self.next)
    }

    /// An engine in the state [`Mt19937::state`] gave; `None` unless 624 words and next <= 624.
    pub(crate) fn from_state(words: &[u32], next: usize) -> Option<Mt19937> {
        let state: [u32; N] = words.try_into().ok()?;
        (next <= N).then_some(Mt19937 { state, next })
    }

    /// One tempered 32-bit word.
    #[inline]
    pub(crate) fn next_u32(&mut self) -> u32 {
        if self.next >= N {
            self.twist();
        }
        let mut y = self.state[self.next];
        self.next += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_mt19937_stream() {
        // std::mt19937 with its default seed 5489: the 10000th output is 4123659995 (C++11
        // [rand.predef]); the first outputs are those of the reference mt19937ar.c.
        let mut g = Mt19937::new(5489);
        assert_eq!(g.next_u32(), 3_499_211_612);
        assert_eq!(g.next_u32(), 581_869_302);
        for _ in 2..9999 {
            g.next_u32();
        }
        assert_eq!(g.next_u32(), 4_123_659_995);
        // only the low 32 bits of the seed count
        assert_eq!(Mt19937::new(7 + (1 << 32)).next_u32(), Mt19937::new(7).next_u32());
    }
}
