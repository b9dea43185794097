/**
 * Statistics of out-of-fold scores used when fitting the crisis classifier: the area under the ROC
 * curve (to choose the L2 strength) and Platt scaling (to calibrate the chosen model's scores).
 */
import { sigmoid } from './train-logistic-regression.js';

/** The probability that a risk row scores above a no-risk row (ties count half). */
export function areaUnderCurve(scores: readonly number[], rows: readonly { risk: boolean }[]): number {
  const order = scores.map((score, index) => ({ score, risk: rows[index]?.risk ?? false }));
  order.sort((left, right) => left.score - right.score);
  let rankSumOfRisk = 0;
  let risk = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end < order.length && order[end]?.score === order[start]?.score) end += 1;
    const tiedRisk = order.slice(start, end).filter((entry) => entry.risk).length;
    rankSumOfRisk += (tiedRisk * (start + end + 1)) / 2;
    risk += tiedRisk;
    start = end;
  }
  const noRisk = order.length - risk;
  if (risk === 0 || noRisk === 0) return 0.5;
  return (rankSumOfRisk - (risk * (risk + 1)) / 2) / (risk * noRisk);
}

/** Platt scaling: the scale and offset that make the out-of-fold scores most likely (Newton's method). */
export function fitPlatt(scores: readonly number[], rows: readonly { risk: boolean }[]) {
  let scale = 1;
  let offset = 0;
  for (let iteration = 0; iteration < 50; iteration += 1) {
    let [gradientScale, gradientOffset, hessianScaleScale, hessianScaleOffset, hessianOffsetOffset] = [
      0, 0, 1e-9, 0, 1e-9,
    ];
    scores.forEach((score, index) => {
      const probability = sigmoid(scale * score + offset);
      const error = probability - (rows[index]?.risk ? 1 : 0);
      const curvature = probability * (1 - probability);
      gradientScale += error * score;
      gradientOffset += error;
      hessianScaleScale += curvature * score * score;
      hessianScaleOffset += curvature * score;
      hessianOffsetOffset += curvature;
    });
    const determinant = hessianScaleScale * hessianOffsetOffset - hessianScaleOffset * hessianScaleOffset;
    if (determinant <= 0) break;
    scale -= (hessianOffsetOffset * gradientScale - hessianScaleOffset * gradientOffset) / determinant;
    offset -= (hessianScaleScale * gradientOffset - hessianScaleOffset * gradientScale) / determinant;
  }
  return { scale, offset };
}
