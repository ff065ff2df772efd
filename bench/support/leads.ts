/** The demo campaign's ping fields (src/config/demo.yaml); never personal data. */
export interface PingLead {
  zip: string;
  state: string;
  age: number;
  vehicle_year: number;
}

export interface FullLead extends PingLead {
  first_name: string;
  last_name: string;
  phone: string;
  email: string;
}

export const STATES = ['CA', 'TX', 'FL', 'NY', 'IL', 'PA', 'OH', 'GA', 'NC', 'MI', 'NJ', 'VA', 'WA', 'AZ', 'MA'];
export const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Radia', 'Linus'];
export const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson', 'Perlman', 'Torvalds'];

/** Ping fields that differ for every i below 9,000,000. */
export function pingLead(i: number): PingLead {
  return {
    zip: String(10000 + (i % 90000)),
    state: STATES[i % STATES.length]!,
    age: 18 + (Math.floor(i / 90000) % 100),
    vehicle_year: 1995 + (i % 31),
  };
}

/** The 10-digit phone of lead i: distinct for every i below 10,000,000, so it passes dedup. */
export function phoneOf(i: number): string {
  return `555${String(i % 10_000_000).padStart(7, '0')}`;
}

/** The same phone as a person would type it; Gavel must normalise it to the same identifier. */
export function formattedPhone(phone: string): string {
  return `+1 (${phone.slice(0, 3)}) ${phone.slice(3, 6)}-${phone.slice(6)}`;
}

export function pingFieldsOf(lead: FullLead): PingLead {
  return { zip: lead.zip, state: lead.state, age: lead.age, vehicle_year: lead.vehicle_year };
}

export function fullLead(i: number): FullLead {
  const first = FIRST[i % FIRST.length]!;
  const last = LAST[Math.floor(i / FIRST.length) % LAST.length]!;
  return { ...pingLead(i), first_name: first, last_name: last, phone: phoneOf(i), email: `${first}.${last}.${i}@example.com`.toLowerCase() };
}
