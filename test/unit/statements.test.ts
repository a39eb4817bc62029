import { describe, expect, it } from 'vitest'
import { splitStatements } from '../../worker/statements'
import { sqlite } from './sqlite'

describe('splitStatements', () => {
  it('splits on semicolons that end statements only', async () => {
    const s = await sqlite()
    const sql = `-- header comment
CREATE TABLE t (a TEXT); /* inline; comment */
INSERT INTO t VALUES ('x;y'), ("z");
CREATE TRIGGER tr AFTER INSERT ON t BEGIN
  UPDATE t SET a = a || ';'; DELETE FROM t WHERE a = 'q;';
END;
-- trailing comment;
`
    const statements = splitStatements(s, sql)
    expect(statements).toHaveLength(3)
    expect(statements[0]).toBe('-- header comment\nCREATE TABLE t (a TEXT);')
    expect(statements[1]).toContain(`'x;y'`)
    expect(statements[2]).toMatch(/^CREATE TRIGGER[\s\S]*END;$/)
  })

  it('keeps a last statement without a semicolon and drops empty ones', async () => {
    const s = await sqlite()
    expect(splitStatements(s, 'SELECT 1;;  ; SELECT 2')).toEqual(['SELECT 1;', 'SELECT 2'])
    expect(splitStatements(s, '  -- nothing here\n/* nor here */ ')).toEqual([])
  })

  it('treats statements against unknown tables as statements', async () => {
    const s = await sqlite()
    expect(splitStatements(s, 'INSERT INTO missing VALUES (1);')).toEqual(['INSERT INTO missing VALUES (1);'])
  })
})
