import { NodeProcess } from './node-process';

/** `node -e`: prints `lines` one every 20 ms, then exits with `code`. */
function launch(lines: string[], code = 0, maxOutput?: number): NodeProcess {
  const program = `const l = ${JSON.stringify(lines)}; let i = 0;
    const t = setInterval(() => {
      if (i < l.length) return console.log(l[i++]);
      clearInterval(t);
      process.exitCode = ${code};
    }, 20);`;
  return NodeProcess.launch('child', program, { env: {}, nodeArgs: ['-e'], maxOutput });
}

describe('NodeProcess', () => {
  it('resolves waitForLog on a line printed later and on one printed already', async () => {
    const p = launch(['starting', 'child listening', 'done']);
    await p.waitForLog('child listening');
    await p.waitForLog('starting');
    expect(await p.exited).toBe(0);
    expect(p.output()).toBe('starting\nchild listening\ndone\n');
  });

  it('rejects waitForLog when the process exits without printing the line', async () => {
    const p = launch(['starting'], 3);
    await expect(p.waitForLog('listening')).rejects.toThrow(
      /child exited \(3\) before "listening"/,
    );
  });

  it('rejects waitForLog after its timeout, with the output so far', async () => {
    const p = launch(['starting', ...Array<string>(50).fill('.')]);
    // The timeout starts once the child has printed, so a slow spawn on a loaded box cannot empty the output.
    await p.waitForLog('starting');
    await expect(p.waitForLog('listening', 100)).rejects.toThrow(/within 100 ms:\nstarting/);
    await p.kill('SIGKILL');
  });

  it('keeps only the tail of the output beyond maxOutput', async () => {
    const p = launch(['a'.repeat(60), 'b'.repeat(60)], 0, 100);
    await p.exited;
    expect(p.output().length).toBeLessThanOrEqual(100);
    expect(p.output().endsWith('b\n')).toBe(true);
  });

  it('kill and stop wait for the exit, and are no-ops once it exited', async () => {
    const p = launch(Array<string>(500).fill('.'));
    await p.waitForLog('.');
    await p.stop('SIGTERM', 5000);
    expect(p.running).toBe(false);
    await expect(p.kill()).resolves.toBeNull();
    await p.stop();
  });
});
