'use strict';
// CPU time from /proc, shared by the orchestrator (run.js) and the load generator (load.js).
const fs = require('node:fs');

/** CPU seconds (user + system) a process has used so far; null where /proc is missing. */
function processCpuSeconds(pid, clockTicks) {
  try {
    // Fields after the command name: utime and stime are the 12th and 13th.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return null;
  }
}

/** CPU seconds the whole machine has been busy (user, nice, system, irq, softirq); null elsewhere. */
function machineCpuSeconds(clockTicks) {
  try {
    const [user, nice, system, , , irq, softirq] = fs
      .readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    return (user + nice + system + irq + softirq) / clockTicks;
  } catch {
    return null;
  }
}

module.exports = { processCpuSeconds, machineCpuSeconds };
