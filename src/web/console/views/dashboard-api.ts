// The dashboard, directory and health pages' calls (src/http/console-dashboard-routes.ts).
import { call } from '../api.js';

export interface Charts {
  period: 'week' | 'month';
  volume: Array<{ period: string; type: string; typeName: string; n: number }>;
  leadTimes: Array<{ type: string; typeName: string; stepId: string; stepName: string; n: number; p50: number; p90: number; max: number }>;
  overdue: Array<{ dept: string; deptName: string; n: number }>;
  eventsByCategory: Array<{ category: string; status: string; n: number }>;
  spend: Array<{ dept: string; deptName: string; events: number; budget: number; spent: number }>;
  scores: Array<{ dept: string; deptName: string; n: number; average: number }>;
  summary: { requests: number; overdue: number; p50Hours: number | null; budget: number; spent: number; averageScore: number | null };
}

export interface OrgPage {
  departments: Array<{ id: string; name: string; parent: string | null; lead: string | null; leadName: string | null; people: number }>;
  people: Array<{ id: string; name: string; title: string | null; dept: string; deptName: string; roles: string[]; links: Record<string, string> }>;
}

export interface HealthPage {
  directory: {
    platforms: Array<{ platform: string; outcome: 'ok' | 'failed' | 'never'; users: number; departments: number; finishedAt: string | null; error: string | null }>;
    issueCounts: Record<string, number>;
  } | null;
  doctor: {
    emptySteps: Array<{ workflow: string; stepName: string; deptName: string; outcome: string }>;
    emptyRoles: string[];
    unknownPeople: Array<{ person: string; where: string }>;
    deptsWithoutLead: string[];
    total: number;
  };
  calendar: { years: Array<{ year: number; source: 'package' | 'official' | 'provisional' }>; provisional: number[] };
  channels: Array<{ platform: string; ok: boolean; detail?: string }>;
}

export const dashboardApi = {
  charts: (query: string) => call<Charts>('GET', `/api/console/charts?${query}`),
  org: () => call<OrgPage>('GET', '/api/console/org'),
  health: () => call<HealthPage>('GET', '/api/console/health'),
};
