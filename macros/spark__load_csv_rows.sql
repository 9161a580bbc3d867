{#-
    A seed on Apache Spark (overrides dbt-spark's spark__create_csv_table and spark__load_csv_rows,
    which dbt dispatches to the root project first). dbt-spark binds each cell as a parameter, and
    its session method renders an empty cell as the text 'None'; here each cell is written as a
    SQL literal instead, an empty cell as null, and the YAML's column types are read as
    PostgreSQL writes them (text is Spark's string). The export's seeds (meta line_numbers) get
    `_line_number`, the line of the row in its file, as on PostgreSQL.
    Not on Spark (PostgreSQL's seeds do them, and pipedrive-load for any engine's export): the
    check of the header against the YAML's columns and of each value against
    var export_value_checks. A value that does not cast stops the seed with Spark's own error.
-#}
{% macro spark__create_csv_table(model, agate_table) %}
    {{- check_export_has_rows(model, agate_table) -}}
    {%- set column_types = model.config.column_types or {} -%}
    {%- set columns = [] -%}
    {%- for name in agate_table.column_names -%}
        {%- set type = column_types.get(name, adapter.convert_type(agate_table, loop.index0)) -%}
        {%- do columns.append(adapter.quote(name | lower) ~ ' ' ~ spark_seed_type(type)) -%}
    {%- endfor -%}
    {%- if model.config.meta.get('line_numbers') -%}
        {%- do columns.append('_line_number int') -%}
    {%- endif -%}
    {%- set sql -%}
        create table {{ this.render() }} ({{ columns | join(', ') }}) {{ file_format_clause() }}
    {%- endset -%}
    {% call statement('_') %}{{ sql }}{% endcall %}
    {{ return(sql) }}
{% endmacro %}


{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_types = model.config.column_types or {} -%}
    {%- set types = [] -%}
    {%- for name in agate_table.column_names -%}
        {%- do types.append(spark_seed_type(
            column_types.get(name, adapter.convert_type(agate_table, loop.index0))
        )) -%}
    {%- endfor -%}
    {%- set line_numbers = model.config.meta.get('line_numbers') -%}
    {#- a row's first line in the file: the header is line 1, and a quoted value with line breaks
        spans more lines (pipedrive-load numbers them alike) -#}
    {%- set line = namespace(next=2) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set rows = [] -%}
        {%- for row in chunk -%}
            {%- set cells = [] -%}
            {%- for value in row -%}
                {%- if value is none -%}
                    {%- do cells.append('cast(null as ' ~ types[loop.index0] ~ ')') -%}
                {%- elif types[loop.index0] == 'string' -%}
                    {%- do cells.append(spark_string_literal(value | string)) -%}
                {%- else -%}
                    {%- do cells.append(
                        'cast(' ~ spark_string_literal(value | string | trim) ~ ' as '
                        ~ types[loop.index0] ~ ')'
                    ) -%}
                {%- endif -%}
            {%- endfor -%}
            {%- if line_numbers -%}{%- do cells.append(line.next) -%}{%- endif -%}
            {#- a blank line is a row of empty cells to agate: left out, as on PostgreSQL -#}
            {%- if row | reject('none') | first is defined -%}
                {%- do rows.append('(' ~ cells | join(', ') ~ ')') -%}
            {%- endif -%}
            {%- set line.next = line.next + 1 + (row | reject('none') | join('')).count('\n') -%}
        {%- endfor -%}
        {%- if rows -%}
            {%- set sql = 'insert into ' ~ this.render() ~ ' values ' ~ rows | join(', ') -%}
            {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}


{% macro spark_seed_type(type) -%}
    {#- A seed column type of the YAML, for Spark: text is string there (as in spark__cast). -#}
    {{- return('string' if type | trim | lower == 'text' else type) -}}
{%- endmacro %}
