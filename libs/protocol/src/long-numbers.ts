/**
 * Quotes every JSON number token holding a run of 16+ digits, outside strings, so that JSON.parse
 * keeps it as its decimal text: versions reach 2^63−1, which a double would round. One pass over
 * the text; a lossless JSON parser in JavaScript took ~2-15 ms for a 64 KB frame, this ~0.3 ms.
 * Invalid JSON stays invalid (a quoted token next to garbage is still garbage).
 */
export function quoteLongNumbers(text: string): string {
  const n = text.length;
  let out = '';
  let copied = 0;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: skip to its closing quote, past escapes.
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i += 2;
        else if (d === 0x22) {
          i++;
          break;
        } else i++;
      }
      continue;
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const start = i;
      let run = 0;
      let longest = 0;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d >= 0x30 && d <= 0x39) {
          if (++run > longest) longest = run;
        } else if (d === 0x2d || d === 0x2b || d === 0x2e || d === 0x65 || d === 0x45) {
          run = 0; // - + . e E: still the same number token
        } else break;
        i++;
      }
      if (longest >= 16) {
        out += `${text.slice(copied, start)}"${text.slice(start, i)}"`;
        copied = i;
      }
      continue;
    }
    i++;
  }
  return copied === 0 ? text : out + text.slice(copied);
}
