import { keepAlive, MAX_IDS_PER_STREAM, multiLine, parseMultiIds, textChunk } from './seed-stream';

describe('seed protocol stream framing', () => {
  it('writes each body of a text stream followed by a blank line', () => {
    expect(textChunk(Buffer.from('Example payload')).toString()).toBe('Example payload\n\n');
  });

  it('writes a multi event as one JSON line of id → array of standard base64 bodies', () => {
    const body = Buffer.from([0xfb, 0xff, 0xfe, 0x00]); // '+' and '/' in standard base64
    const line = multiLine(
      new Map([
        ['A', [body, Buffer.from('x')]],
        ['B', []],
      ]),
    );
    expect(line.endsWith('\r\n')).toBe(true);
    expect(JSON.parse(line)).toEqual({ A: ['+//+AA==', 'eA=='] });
  });

  it('keeps multi streams parseable: the keep-alive is an empty JSON object', () => {
    expect(JSON.parse(keepAlive('multi'))).toEqual({});
    expect(keepAlive('text')).toBe('\n');
  });

  it('splits the ids of a multi stream on &, without empties or duplicates, within the limit', () => {
    expect(parseMultiIds('a&b&&a&c')).toEqual(['a', 'b', 'c']);
    expect(parseMultiIds('&')).toBeNull();
    const many = Array.from({ length: MAX_IDS_PER_STREAM + 1 }, (_, i) => `id${i}`).join('&');
    expect(parseMultiIds(many)).toBeNull();
  });
});
