{#-
    Loads a seed's rows (overrides dbt-postgres' load_csv_rows, which dbt dispatches here first).
    1. The CSV header must be exactly the columns typed in the seed's YAML (no column missing,
       none extra or duplicated).
    2. Rows go as text into a temporary table in a few large inserts (dbt's default renders one
       placeholder per cell in Jinja, which takes minutes for a real export).
    3. Each typed value is checked in SQL against the var export_value_checks (the checks of
       pipedrive-load too); the first bad line stops the build with an error that names the file,
       line, column and value.
    4. The rows are cast into the seed table in one statement; seeds with meta line_numbers (the
       export) also get each row's line in its file, `_line_number`, the raw tables' key.
-#}
{% macro postgres__load_csv_rows(model, agate_table) %}
    {%- set file = model.original_file_path -%}
    {%- set column_types = model.config.column_types or {} -%}
    {%- set csv_columns = agate_table.column_names | list -%}
    {%- set expected = column_types.keys() | map('lower') | list -%}
    {%- set found = csv_columns | map('lower') | list -%}
    {#- agate names a column without a name by its letter (a, b, c, ...): say what it is -#}
    {%- for name in csv_columns -%}
        {%- set letter = 'abcdefghijklmnopqrstuvwxyz'[loop.index0 % 26] * (loop.index0 // 26 + 1) -%}
        {%- if column_types and name == letter and name | lower not in expected -%}
            {{ exceptions.raise_compiler_error(
                file ~ ", line 1: column " ~ loop.index ~ " of the header has no name (does every"
                ~ " line end with a comma?)"
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {%- if column_types and found | sort != expected | sort -%}
        {%- set missing = expected | reject('in', found) | list -%}
        {%- set unexpected = found | reject('in', expected) | list -%}
        {{ exceptions.raise_compiler_error(
            file ~ ": the header must have the columns " ~ expected | join(', ')
            ~ (("; missing: " ~ missing | join(', ')) if missing else "")
            ~ (("; unexpected (or duplicated): " ~ unexpected | join(', ')) if unexpected else "")
        ) }}
    {%- endif -%}

    {%- set staging = adapter.quote('seed_load__' ~ model.name) -%}
    {%- set text_columns = [] -%}
    {%- for name in csv_columns -%}
        {%- do text_columns.append(adapter.quote('c' ~ loop.index) ~ ' text') -%}
    {%- endfor -%}
    {% call statement('create_seed_staging') %}
        create temporary table {{ staging }} (line_number integer, {{ text_columns | join(', ') }})
        on commit drop
    {% endcall %}

    {#- A blank line (or a line of empty fields) is a row of empty cells to agate: left out, as
        pipedrive-load leaves it out; the other rows keep their line numbers. -#}
    {%- set row_sql = '(' ~ (['%s'] * (csv_columns | length + 1)) | join(', ') ~ ')' -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set bindings = [] -%}
        {%- set kept = [] -%}
        {%- set first_line = loop.index0 * get_batch_size() + 2 -%}
        {%- if '\x00' in chunk | map('join', '\x1f') | join('\x1e') -%}
            {{- fail_on_nul(model, csv_columns, agate_table) -}}
        {%- endif -%}
        {%- for row in chunk -%}
            {%- if row | reject('none') | first is defined -%}
                {%- do bindings.append(first_line + loop.index0) -%}
                {%- do bindings.extend(row) -%}
                {%- do kept.append(row_sql) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if kept -%}
            {%- set sql = 'insert into ' ~ staging ~ ' values ' ~ kept | join(', ') -%}
            {%- do adapter.add_query(sql, bindings=bindings, abridge_sql_log=True) -%}
        {%- endif -%}
    {%- endfor -%}

    {#- agate numbers rows; a value with a line break inside quotes spans more lines: each row's
        number becomes its first line in the file (pipedrive-load: _number_physical_lines). -#}
    {%- set breaks = [] -%}
    {%- for name in csv_columns -%}
        {%- set staged = adapter.quote('c' ~ loop.index) -%}
        {%- do breaks.append(
            "coalesce(length(" ~ staged ~ ") - length(replace(" ~ staged ~ ", E'\\n', '')), 0)"
        ) -%}
    {%- endfor -%}
    {% call statement('number_physical_lines') %}
        update {{ staging }} as staged set line_number = numbered.first_line
        from (
            select line_number, line_number + coalesce(sum(breaks) over (
                order by line_number rows between unbounded preceding and 1 preceding), 0
            )::integer as first_line
            from (select line_number, {{ breaks | join(' + ') }} as breaks from {{ staging }}) as counted
        ) as numbered
        where staged.line_number = numbered.line_number and numbered.first_line <> staged.line_number
    {% endcall %}

    {#- A row with fewer fields than the header: agate fills the missing ones in as it reads an
        empty field, so such a row ends in an empty value. For those rows only, the file's line
        is read again and its fields counted (pipedrive-load: loader/structure.py). -#}
    {%- set ends_empty = run_query(
        "select line_number from " ~ staging ~ " where "
        ~ adapter.quote('c' ~ csv_columns | length) ~ " is null order by 1"
    ) -%}
    {%- if ends_empty.rows | length > 0 -%}
        {{- fail_on_short_rows(model, csv_columns, agate_table, ends_empty.columns[0].values()) -}}
    {%- endif -%}

    {#- One scan checks every typed column: the first bad line, and in it the first bad column.
        A value is bad when its pattern rejects it or, on PostgreSQL 16 and later, when its type
        cannot hold it (a 30 February): the cast below then never fails with a bare message. -#}
    {%- set checks = var('export_value_checks') -%}
    {%- set can_test_input = (run_query('show server_version_num').rows[0][0] | int) >= 160000 -%}
    {%- set casts = [] -%}
    {%- set bad_values = [] -%}
    {%- for name in csv_columns -%}
        {%- set staged = adapter.quote('c' ~ loop.index) -%}
        {%- set sql_type = (column_types.get(name) or column_types.get(name | upper) or column_types.get(name | lower) or 'text') | lower -%}
        {%- if sql_type in checks -%}
            {%- set literals = [name, checks[sql_type]['expected'], checks[sql_type]['pattern']]
                | map('replace', "'", "''") | list -%}
            {%- set out_of_range = (
                " or not pg_input_is_valid(trim(" ~ staged ~ "), '" ~ sql_type ~ "')"
            ) if can_test_input else "" -%}
            {%- do bad_values.append(
                "(" ~ loop.index ~ ", '" ~ literals[0] ~ "', " ~ staged ~ ", '" ~ literals[1]
                ~ "', " ~ staged ~ " !~* '" ~ literals[2] ~ "'" ~ out_of_range ~ ")"
            ) -%}
        {%- endif -%}
        {%- do casts.append('cast(trim(' ~ staged ~ ') as ' ~ sql_type ~ ')' if sql_type != 'text' else staged) -%}
    {%- endfor -%}
    {%- if bad_values -%}
        {%- set bad = run_query(
            "select staged.line_number, checked.name, checked.value, checked.expected from "
            ~ staging ~ " as staged cross join lateral (values " ~ bad_values | join(', ')
            ~ ") as checked (position, name, value, expected, is_bad) where checked.is_bad"
            ~ " order by staged.line_number, checked.position limit 1"
        ) -%}
        {%- if bad.rows | length > 0 -%}
            {%- set shown = shown_value(model, bad.rows[0][2]) -%}
            {{ exceptions.raise_compiler_error(
                file ~ ", line " ~ bad.rows[0][0] ~ ", column " ~ bad.rows[0][1] ~ ": "
                ~ shown ~ " is not " ~ bad.rows[0][3]
            ) }}
        {%- endif -%}
    {%- endif -%}

    {%- if model.config.meta.get('line_numbers') -%}
        {#- The row's line in its file: the raw tables' key, as pipedrive-load writes it too. -#}
        {%- set existing = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
        {%- if '_line_number' not in existing -%}
            {% call statement('add_line_number') %}
                alter table {{ this.render() }} add column _line_number integer
            {% endcall %}
        {%- endif -%}
        {%- do casts.append('line_number') -%}
        {%- do csv_columns.append('_line_number') -%}
    {%- endif -%}

    {%- set load_sql -%}
        insert into {{ this.render() }} ({{ get_seed_column_quoted_csv(model, csv_columns) }})
        select {{ casts | join(', ') }} from {{ staging }} order by line_number
    {%- endset -%}
    {%- do adapter.add_query(load_sql, abridge_sql_log=True) -%}

    {#- The keys of the export's small tables (meta unique_columns): a value on a second line
        stops the build, naming both lines (pipedrive-load checks the same). -#}
    {%- for column in model.config.meta.get('unique_columns', []) -%}
        {%- set quoted = quoted_identifier(column | lower) -%}
        {%- set repeated = run_query(
            "select line, value, first_line from (select _line_number as line, " ~ quoted
            ~ "::text as value, min(_line_number) over (partition by " ~ quoted ~ ") as first_line"
            ~ " from " ~ this.render() ~ " where " ~ quoted ~ " is not null) as numbered"
            ~ " where line > first_line order by line limit 1"
        ) -%}
        {%- if repeated.rows | length > 0 -%}
            {%- set line, value, first_line = repeated.rows[0] -%}
            {%- set shown = shown_value(model, value) -%}
            {{ exceptions.raise_compiler_error(
                file ~ ", line " ~ line ~ ", column " ~ column ~ ": " ~ shown
                ~ " is already on line " ~ first_line ~ "; each " ~ column ~ " once"
            ) }}
        {%- endif -%}
    {%- endfor -%}

    {#- Columns of JSON lists (meta json_list_columns): empty, or a JSON list; PostgreSQL 16 and
        later tell the first line that is neither (before 16 the staging model's cast fails). -#}
    {%- for column in model.config.meta.get('json_list_columns', []) if can_test_input -%}
        {%- set value = 'nullif(trim(' ~ quoted_identifier(column | lower) ~ "), '')" -%}
        {%- set bad = run_query(
            "select _line_number, " ~ value ~ " from " ~ this.render() ~ " where " ~ value
            ~ " is not null and case when pg_input_is_valid(" ~ value ~ ", 'jsonb') then"
            ~ " jsonb_typeof(" ~ value ~ "::jsonb) <> 'array' else true end"
            ~ " order by _line_number limit 1"
        ) -%}
        {%- if bad.rows | length > 0 -%}
            {{ exceptions.raise_compiler_error(
                file ~ ", line " ~ bad.rows[0][0] ~ ", column " ~ column ~ ": "
                ~ bad.rows[0][1] | tojson ~ " is not a JSON list"
                ~ ' ([{"id": "1", "label": "..."}, ...])'
            ) }}
        {%- endif -%}
        {#- each option id once in its list: a second label would count its changes twice -#}
        {%- set repeated = run_query(
            "select _line_number, option_id from (select _line_number, item ->> 'id' as option_id,"
            ~ " count(*) over (partition by _line_number, item ->> 'id') as times from "
            ~ this.render() ~ " cross join lateral jsonb_array_elements(" ~ value ~ "::jsonb)"
            ~ " as options (item)) as counted where times > 1 and option_id is not null"
            ~ " order by _line_number limit 1"
        ) -%}
        {%- if repeated.rows | length > 0 -%}
            {{ exceptions.raise_compiler_error(
                file ~ ", line " ~ repeated.rows[0][0] ~ ", column " ~ column ~ ": the option id "
                ~ repeated.rows[0][1] | tojson ~ " is twice in the list; each option id once"
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(load_sql) }}
{% endmacro %}


{% macro fail_on_nul(model, csv_columns, agate_table) %}
    {#- PostgreSQL's text holds no NUL byte: name the line and column before the insert fails
        (a rare path: it counts the line breaks of the values above, as physical lines go). -#}
    {%- set line = namespace(number=2) -%}
    {%- for row in agate_table.rows -%}
        {%- for value in row -%}
            {%- if value is string and '\x00' in value -%}
                {{ exceptions.raise_compiler_error(
                    model.original_file_path ~ ", line "
                    ~ (line.number + value.split('\x00')[0].count('\n')) ~ ", column "
                    ~ csv_columns[loop.index0]
                    ~ ": a NUL byte (0x00) in the value; an export's values hold no NUL"
                ) }}
            {%- endif -%}
            {%- set line.number = line.number + (value.count('\n') if value is string else 0) -%}
        {%- endfor -%}
        {%- set line.number = line.number + 1 -%}
    {%- endfor -%}
{% endmacro %}


{% macro fail_on_short_rows(model, csv_columns, agate_table, lines) %}
    {#- The file again, one physical line per row (no quoting, no delimiter): a line whose value
        holds a quoted line break goes on until its quotes are balanced; quoted text is taken out
        and the commas left counted. -#}
    {%- set physical = agate_table.from_csv(
        agate_table.original_abspath, column_names=['text'],
        column_types=[agate_table.column_types[0]], header=False, delimiter='\x1f', quoting=3
    ).columns[0].values() -%}
    {%- for line in lines -%}
        {%- set record = namespace(text=physical[line - 1] or '', next=line) -%}
        {%- for _ in range(1000) if record.text.count('"') is odd
            and record.next < physical | length -%}
            {%- set record.text = record.text ~ '\n' ~ (physical[record.next] or '') -%}
            {%- set record.next = record.next + 1 -%}
        {%- endfor -%}
        {%- set fields = modules.re.sub('"[^"]*"', '', record.text).count(',') + 1 -%}
        {%- if fields < csv_columns | length -%}
            {{ exceptions.raise_compiler_error(
                model.original_file_path ~ ", line " ~ line ~ ": " ~ fields
                ~ " fields where the header has " ~ csv_columns | length ~ " ("
                ~ csv_columns | join(', ') ~ "); a field missing or one too many shifts the values"
            ) }}
        {%- endif -%}
    {%- endfor -%}
{% endmacro %}


{% macro shown_value(model, value) -%}
    {#- A bad value as an error shows it: JSON-quoted or, in a file of personal data (meta
        personal_data), only its length (pipedrive-load: RawTable.shown). -#}
    {%- if model.config.meta.get('personal_data') -%}
        {{- return(
            "a value of " ~ value | length ~ " characters (masked: "
            ~ model.original_file_path.split('/')[-1] ~ " holds personal data)"
        ) -}}
    {%- endif -%}
    {{- return(value | tojson) -}}
{%- endmacro %}
