import {
  environmentSchema,
  type SettingInfo,
  type SettingName,
  settingInfo,
} from '../shared/config/environment-schema.js';

export type DescribedSetting = SettingInfo & { name: SettingName };

/** Each setting with its documentation, in declaration order (for the docs and the coverage test). */
export function describeSettings(): DescribedSetting[] {
  return (Object.keys(environmentSchema.shape) as SettingName[]).map((name) => {
    const info = settingInfo.get(environmentSchema.shape[name]);
    if (info === undefined) throw new Error(`setting ${name} has no documentation`);
    return { name, ...info };
  });
}

/** The README's configuration table: `| \`NAME\` | default | meaning |`, one row per setting. */
export function settingsTable(settings = describeSettings()): string {
  const defaultCell = (unset: string) =>
    /^[-\w./:]+$/.test(unset) && unset !== '—' ? `\`${unset}\`` : unset;
  return [
    '| Setting | Default | Meaning |',
    '| --- | --- | --- |',
    ...settings.map(({ name, unset, about }) => `| \`${name}\` | ${defaultCell(unset)} | ${about} |`),
  ].join('\n');
}
