// Text the core stores is in the organisation's language; what a platform's cards can show is
// the channel layer's to say.
import { describe, expect, it } from 'vitest';
import { capabilitiesOf } from '../../src/channels/capabilities.js';
import { orgText } from '../../src/core/org-text.js';
import { Directory } from '../../src/org/directory.js';
import { exampleDir } from '../support/core-fixtures.js';

describe('orgText', () => {
  it('writes generated names in organisation.locale (zh-CN unless the file says otherwise)', () => {
    const zh = exampleDir();
    expect(zh.org.organisation.locale).toBe('zh-CN');
    expect(orgText(zh, 'step.added_signer')).toBe('加签审批');
    expect(orgText(zh, 'request.default_title', { applicant: '李明', type: '活动申请' })).toBe('李明的活动申请');
    const en = new Directory({ ...zh.org, organisation: { ...zh.org.organisation, locale: 'en' } });
    expect(orgText(en, 'step.added_signer')).toBe('Added approval');
    expect(orgText(en, 'request.default_title', { applicant: 'Li Ming', type: 'Event' })).toBe("Li Ming's Event");
  });
});

describe('channel capabilities', () => {
  it('WeCom cards alone do not show every field', () => {
    expect((['local', 'feishu', 'dingtalk', 'wecom'] as const).filter((p) => !capabilitiesOf(p).cardShowsAllFields)).toEqual(['wecom']);
  });
});
