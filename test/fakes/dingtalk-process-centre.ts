// DingTalk's process centre (OA 审批 > 自有 OA 审批) for the fake DingTalk server, as far as the
// docs say (docs/channels/dingtalk.md#process-centre): schemas (create or update → processCode),
// instances (create needs processCode, originatorUserId, title, url; PUT ends one: COMPLETED with
// agree / refuse, or TERMINATED), tasks (POST creates ≤ 20 on a running instance and answers
// their taskIds; PUT completes — AGREE / REFUSE — or cancels ≤ 20, only running ones). `todo`
// is a person's 钉钉待办. Concurrency and quota refusals are injected with the server's `fail`.
import type { ServerResponse } from 'node:http';

type Obj = Record<string, unknown>;
export interface FakeDtTask {
  taskId: number;
  processInstanceId: string;
  activityId?: string;
  userId: string;
  status: 'RUNNING' | 'COMPLETED' | 'CANCELED';
  result?: 'AGREE' | 'REFUSE';
  dueTimestamp?: number;
  url?: string;
}
export interface FakeDtInstance {
  processInstanceId: string;
  processCode: string;
  originatorUserId: string;
  title: string;
  url: string;
  status: 'RUNNING' | 'COMPLETED' | 'TERMINATED';
  result?: string;
}

export function dingtalkProcessCentre() {
  const schemas = new Map<string, Obj>();
  const instances = new Map<string, FakeDtInstance>();
  const tasks = new Map<number, FakeDtTask>();
  let seq = 0;
  let taskSeq = 1000;

  function handle(method: string, path: string, b: Obj, send: (status: number, body: unknown) => void): boolean {
    const bad = (message: string) => (send(400, { code: 'InvalidParameter', message, requestid: `pc-${++seq}` }), true);
    const ok = (result: unknown) => (send(200, { result, success: true }), true);
    switch (`${method} ${path}`) {
      case 'POST /v1.0/workflow/processCentres/schemas': {
        if (typeof b.name !== 'string' || !b.name) return bad('name is required');
        if (!Array.isArray(b.formComponents) || !b.formComponents.length) return bad('formComponents is required');
        const code = typeof b.processCode === 'string' && schemas.has(b.processCode) ? b.processCode : `PROC-FAKE-${++seq}`;
        schemas.set(code, b);
        return ok({ processCode: code });
      }
      case 'POST /v1.0/workflow/processCentres/instances': {
        if (typeof b.processCode !== 'string' || !schemas.has(b.processCode)) return bad('processCode not found');
        for (const k of ['originatorUserId', 'title', 'url']) if (typeof b[k] !== 'string' || !b[k]) return bad(`${k} is required`);
        const id = `pi-${++seq}`;
        instances.set(id, { processInstanceId: id, processCode: b.processCode, originatorUserId: b.originatorUserId as string, title: b.title as string, url: b.url as string, status: 'RUNNING' });
        return ok({ processInstanceId: id });
      }
      case 'PUT /v1.0/workflow/processCentres/instances': {
        const inst = instances.get(String(b.processInstanceId));
        if (!inst) return bad('processInstanceId not found');
        if (b.status === 'COMPLETED') {
          if (b.result !== 'agree' && b.result !== 'refuse') return bad('result must be agree or refuse');
          inst.result = b.result;
        } else if (b.status !== 'TERMINATED') return bad('status must be COMPLETED or TERMINATED');
        inst.status = b.status;
        return ok(true);
      }
      case 'POST /v1.0/workflow/processCentres/tasks': {
        const inst = instances.get(String(b.processInstanceId));
        if (!inst) return bad('processInstanceId not found');
        if (inst.status !== 'RUNNING') return bad('instance is not running');
        const list = b.tasks as Obj[] | undefined;
        if (!Array.isArray(list) || !list.length || list.length > 20) return bad('tasks: 1 to 20');
        const out = [];
        for (const x of list) {
          if (typeof x.userId !== 'string' || !x.userId) return bad('tasks.userId is required');
          if (x.dueTimestamp !== undefined && typeof x.dueTimestamp !== 'number') return bad('dueTimestamp must be a number (ms)');
        }
        for (const x of list) {
          const task: FakeDtTask = { taskId: ++taskSeq, processInstanceId: inst.processInstanceId, userId: x.userId as string, status: 'RUNNING', ...(typeof b.activityId === 'string' ? { activityId: b.activityId } : {}), ...(typeof x.dueTimestamp === 'number' ? { dueTimestamp: x.dueTimestamp } : {}), ...(typeof x.url === 'string' ? { url: x.url } : {}) };
          tasks.set(task.taskId, task);
          out.push({ userId: task.userId, taskId: task.taskId });
        }
        return ok(out);
      }
      case 'PUT /v1.0/workflow/processCentres/tasks': {
        const list = b.tasks as Obj[] | undefined;
        if (!Array.isArray(list) || !list.length || list.length > 20) return bad('tasks: 1 to 20');
        for (const x of list) {
          const task = tasks.get(Number(x.taskId));
          if (!task || task.processInstanceId !== b.processInstanceId) return bad(`task ${String(x.taskId)} not found`);
          if (task.status !== 'RUNNING') return bad(`task ${task.taskId} is not running`);
          if (x.status === 'COMPLETED' && x.result !== 'AGREE' && x.result !== 'REFUSE') return bad('COMPLETED needs result AGREE or REFUSE');
          if (x.status !== 'COMPLETED' && x.status !== 'CANCELED') return bad('status must be COMPLETED or CANCELED');
        }
        for (const x of list) {
          const task = tasks.get(Number(x.taskId))!;
          task.status = x.status as FakeDtTask['status'];
          if (x.status === 'COMPLETED') task.result = x.result as 'AGREE' | 'REFUSE';
        }
        return ok(true);
      }
      default:
        return false;
    }
  }

  return {
    schemas,
    instances,
    tasks,
    handle,
    /** A person's 钉钉待办: their running tasks. */
    todo: (userId: string) => [...tasks.values()].filter((x) => x.userId === userId && x.status === 'RUNNING'),
    tasksOf: (processInstanceId: string) => [...tasks.values()].filter((x) => x.processInstanceId === processInstanceId),
    /** The instance made for a request (by our url). */
    instanceFor: (requestId: string) => [...instances.values()].find((i) => i.url.endsWith(`/r/${requestId}`)),
  };
}

export type FakeProcessCentre = ReturnType<typeof dingtalkProcessCentre>;

export function sendVia(res: ServerResponse) {
  return (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
}
