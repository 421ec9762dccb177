import { LabIcon } from '@jupyterlab/ui-components';

/** A kit box: the sidebar tab's icon and the palette's. */
const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="16" height="16">
  <g class="jp-icon3" fill="#616161">
    <path d="M12 2 3 6.5v11L12 22l9-4.5v-11L12 2zm0 2.2 6.6 3.3L12 10.8 5.4 7.5 12 4.2zM5 9.1l6 3v7.6l-6-3V9.1zm8 10.6v-7.6l6-3v7.6l-6 3z"/>
  </g>
</svg>`;

export const kitIcon = new LabIcon({ name: 'kitops-jupyter:kit', svgstr: svg });
