// The guest budget: the memory a scenario's guests take at once. They all run together, so
// a scenario whose guests cannot fit in the host's free memory is refused with the figures
// before any of them boots, whatever --workers allows (the pool lets a scenario larger than
// the worker count run alone, and eight 1 GiB TCG guests would otherwise just start).

/** What QEMU itself takes beside a guest's RAM, and what the host keeps for itself. */
export const QEMU_OVERHEAD_MIB = 512;
export const HOST_RESERVE_MIB = 2048;

export interface GuestMemory {
  name: string;
  memoryMiB: number;
}

/** Why the guests cannot run at once in `freeMiB`, in words with the figures; undefined when they can. */
export function budgetProblem(guests: readonly GuestMemory[], freeMiB: number): string | undefined {
  const need = guests.reduce((sum, g) => sum + g.memoryMiB + QEMU_OVERHEAD_MIB, 0);
  if (need <= freeMiB - HOST_RESERVE_MIB) return undefined;
  const sizes = new Set(guests.map((g) => g.memoryMiB));
  const one = guests.length === 1;
  const each = sizes.size === 1 ? `${one ? '' : `${guests.length} × `}${guests[0].memoryMiB} MiB` : guests.map((g) => `${g.name} ${g.memoryMiB} MiB`).join(', ');
  return (
    `not run: its ${guests.length} guest${one ? ' needs' : 's need'} ${need} MiB at once (${each}, and ${QEMU_OVERHEAD_MIB} MiB for ${one ? 'its' : 'each'} QEMU), ` +
    `and this host has ${Math.floor(freeMiB)} MiB free, ${HOST_RESERVE_MIB} MiB of it kept for the host`
  );
}
