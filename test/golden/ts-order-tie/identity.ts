export default (row: object) => row;
